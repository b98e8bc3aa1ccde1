/* Tables for language detection (cjk-typography.md §9), generated into hanvariants.c. */
#ifndef BS_READ_LANG_H
#define BS_READ_LANG_H

#include <stddef.h>
#include <stdint.h>

extern const uint32_t bs_han_trad_only[];
extern const size_t bs_han_trad_only_len;
extern const uint32_t bs_han_simp_only[];
extern const size_t bs_han_simp_only_len;

#endif

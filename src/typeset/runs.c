/* Character classes for kinsoku and spacing (§1.1) and the V3 presentation pass. */
#include <stdlib.h>
#include <string.h>

#include "typeset-impl.h"

static bool in(uint32_t cp, const uint32_t *set, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (set[i] == cp)
      return true;
  return false;
}
#define IN(cp, ...)                                                                    \
  in(cp, (const uint32_t[]){__VA_ARGS__}, sizeof((const uint32_t[]){__VA_ARGS__}) / 4)

bs_ts_class bs_ts_char_class(uint32_t cp)
{
  /* most characters of a book, and in none of the lists below: Han ideographs and ASCII
   * (every character goes through here, and the lists are a hundred comparisons) */
  if ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || cp >= 0x20000)
    return BS_CL_IDEO;
  if (cp > 0x20 && cp < 0x7F)
    return BS_CL_LATIN;
  if (IN(cp, 0x300C, 0x300E, 0xFF08, 0x3014, 0x3010, 0x300A, 0x3008, 0x3016, 0xFF3B, 0xFF5B,
         0x3018, 0xFF5F, 0x201C, 0x2018, 0x301D))
    return BS_CL_OPEN;
  if (IN(cp, 0x300D, 0x300F, 0xFF09, 0x3015, 0x3011, 0x300B, 0x3009, 0x3017, 0xFF3D, 0xFF5D,
         0x3019, 0xFF60, 0x201D, 0x2019, 0x301E, 0x301F))
    return BS_CL_CLOSE;
  if (IN(cp, 0x3001, 0x3002, 0xFF0C, 0xFF0E))
    return BS_CL_STOP;
  if (IN(cp, 0xFF1A, 0xFF1B))
    return BS_CL_COLON;
  if (IN(cp, 0xFF01, 0xFF1F, 0x203C, 0x2047, 0x2048, 0x2049))
    return BS_CL_DIVIDE;
  if (IN(cp, 0x00B7, 0x2027, 0x30FB))
    return BS_CL_MIDDOT;
  if (IN(cp, 0x2014, 0x2E3A))
    return BS_CL_DASH;
  if (IN(cp, 0x2026, 0x22EF, 0x2025))
    return BS_CL_ELLIPSIS;
  if (IN(cp, 0xFF5E, 0x301C, 0x2013, 0x2010, 0x30A0))
    return BS_CL_CONNECT;
  if (cp == 0xFF0F)
    return BS_CL_SOLIDUS;
  if (IN(cp, 0xFF04, 0xFFE5, 0xFFE1, 0xFF03, 0x2116))
    return BS_CL_PREFIX;
  if (IN(cp, 0xFF05, 0x2030, 0x00B0, 0x2103, 0x2032, 0x2033, 0xFFE0))
    return BS_CL_POSTFIX;
  if (IN(cp, 0x3041, 0x3043, 0x3045, 0x3047, 0x3049, 0x3063, 0x3083, 0x3085, 0x3087, 0x308E,
         0x3095, 0x3096, 0x30A1, 0x30A3, 0x30A5, 0x30A7, 0x30A9, 0x30C3, 0x30E3, 0x30E5, 0x30E7,
         0x30EE, 0x30F5, 0x30F6) ||
      (cp >= 0x31F0 && cp <= 0x31FF))
    return BS_CL_SMALL;
  if (IN(cp, 0x3005, 0x303B, 0x309D, 0x309E, 0x30FD, 0x30FE, 0x30FC))
    return BS_CL_ITER;
  if (bs_ts_is_latin(cp))
    return BS_CL_LATIN;
  return BS_CL_IDEO;
}

/* Characters set as Western text: ASCII graphics, Latin-1 and Latin Extended letters,
 * Greek, Cyrillic, general punctuation that is not CJK punctuation. */
bool bs_ts_is_latin(uint32_t cp)
{
  if (cp > 0x20 && cp < 0x7F)
    return true;
  if (cp == 0xB7)
    return false; /* the interpunct is CJK punctuation in CJK text (P4) */
  if (cp >= 0xA1 && cp <= 0x24F)
    return true;
  if (cp >= 0x370 && cp <= 0x52F)
    return true;
  if (cp == 0x2013 || cp == 0x2010 || cp == 0x2032 || cp == 0x2033)
    return false;
  return false;
}

/* V3: pairs quotes with a stack; matched pairs become corner brackets, alternating 「」 and
 * 『』 with depth (existing corner brackets count). Unbalanced quotes stay. All the characters
 * involved are three bytes in UTF-8, so offsets do not move. */
void bs_ts_quotes_to_corners(char *text, size_t len)
{
  enum { MAXD = 64 };
  size_t stack[MAXD];
  uint32_t kind[MAXD];
  int depth = 0;
  size_t i = 0;
  while (i < len) {
    uint32_t cp;
    size_t n = bs_utf8_decode(text + i, len - i, &cp);
    if (!n) {
      i++;
      continue;
    }
    if (cp == 0x201C || cp == 0x2018 || cp == 0x300C || cp == 0x300E) {
      if (depth < MAXD) {
        stack[depth] = i;
        kind[depth] = cp;
      }
      depth++;
    } else if (cp == 0x201D || cp == 0x2019 || cp == 0x300D || cp == 0x300F) {
      uint32_t want = cp == 0x201D ? 0x201C : cp == 0x2019 ? 0x2018 : cp == 0x300D ? 0x300C : 0x300E;
      if (depth > 0 && depth <= MAXD && kind[depth - 1] == want) {
        depth--;
        if (want == 0x201C || want == 0x2018) {
          bool outer = depth % 2 == 0;
          /* 「 E3 80 8C, 」 E3 80 8D, 『 E3 80 8E, 』 E3 80 8F */
          memcpy(text + stack[depth], outer ? "\xE3\x80\x8C" : "\xE3\x80\x8E", 3);
          memcpy(text + i, outer ? "\xE3\x80\x8D" : "\xE3\x80\x8F", 3);
        }
      } else if (depth > 0 && depth <= MAXD) {
        /* mismatched: leave this closer alone */
      }
    }
    i += n;
  }
}

/* Language detection for CJK text (cjk-typography.md §9): kana decides Japanese, Hangul
 * Korean, then Traditional-only vs Simplified-only Han characters decide zh-Hant / zh-Hans. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../util/util.h"
#include "bisheng/read.h"
#include "read-impl.h"

static int cmp_u32(const void *a, const void *b)
{
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static bool in_table(const uint32_t *t, size_t n, uint32_t cp)
{
  return bsearch(&cp, t, n, sizeof *t, cmp_u32) != NULL;
}

/* The two tables as bitmaps over the BMP's Han blocks, where nearly every character falls:
 * one lookup instead of two binary searches per character (speed target of issue #3). */
enum { MAP_LO = 0x3400, MAP_HI = 0xFAFF, MAP_BITS = MAP_HI - MAP_LO + 1 };
static uint8_t trad_map[(MAP_BITS + 7) / 8], simp_map[(MAP_BITS + 7) / 8];
static pthread_once_t maps_once = PTHREAD_ONCE_INIT;

static void fill(uint8_t *map, const uint32_t *t, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (t[i] >= MAP_LO && t[i] <= MAP_HI)
      map[(t[i] - MAP_LO) >> 3] |= (uint8_t)(1u << ((t[i] - MAP_LO) & 7));
}

static void build_maps(void)
{
  fill(trad_map, bs_han_trad_only, bs_han_trad_only_len);
  fill(simp_map, bs_han_simp_only, bs_han_simp_only_len);
}

static bool in_map(const uint8_t *map, const uint32_t *t, size_t n, uint32_t cp)
{
  if (cp >= MAP_LO && cp <= MAP_HI)
    return map[(cp - MAP_LO) >> 3] & (1u << ((cp - MAP_LO) & 7));
  return in_table(t, n, cp);
}

const char *bs_detect_lang(const char *text, size_t len)
{
  size_t han = 0, kana = 0, hangul = 0, latin = 0, trad = 0, simp = 0;
  size_t i = 0;
  pthread_once(&maps_once, build_maps);
  while (i < len) {
    uint32_t cp;
    size_t n = bs_utf8_decode(text + i, len - i, &cp);
    if (!n) {
      i++;
      continue;
    }
    i += n;
    if (cp < 0x80) { /* the classes below are all above ASCII */
      if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z')
        latin++;
      continue;
    }
    if ((cp >= 0x4E00 && cp <= 0x9FFF) || bs_is_han(cp)) { /* the main Han block inline */
      han++;
      if (in_map(trad_map, bs_han_trad_only, bs_han_trad_only_len, cp))
        trad++;
      else if (in_map(simp_map, bs_han_simp_only, bs_han_simp_only_len, cp))
        simp++;
    } else if (bs_is_kana(cp) && cp != 0x30FC && cp != 0x30FB) {
      kana++; /* ー and ・ also appear in Chinese text */
    } else if (cp >= 0xAC00 && cp <= 0xD7AF) {
      hangul++;
    } else if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') {
      latin++;
    }
  }
  size_t letters = han + kana + hangul + latin;
  if (!letters)
    return NULL;
  if (hangul * 10 >= letters && hangul > 0)
    return "ko";
  /* Japanese prose always has kana; Chinese almost never (§9). Kana decides before the
   * T/S count, since shinjitai such as 語 are Traditional-only in Unihan. */
  if (kana * 20 >= han + kana && kana > 0)
    return "ja";
  if (han == 0 || latin > 4 * (han + kana))
    return latin ? "en" : NULL;
  if (trad >= 2 * simp && trad >= 2)
    return "zh-Hant";
  if (simp >= 2 * trad && simp >= 2)
    return "zh-Hans";
  return NULL;
}

void bs_read_settle_lang(bs_node *doc)
{
  if (bs_node_get_meta(doc, BS_META_LANG))
    return;
  char *text = bs_node_text_content(doc);
  const char *lang = bs_detect_lang(text, strlen(text));
  free(text);
  if (lang)
    bs_node_set_lang(doc, lang);
}

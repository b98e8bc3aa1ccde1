/* Hyphenation of horizontal Latin words (#13): libhyphen with Debian's hyphen-* dictionaries
 * (/usr/share/hyphen/hyph_LL_CC.dic, chosen by the document's language). Soft hyphens in a
 * word are its only points when it has any. The fitter (break.c) uses a point only when the
 * line would otherwise stretch its word spaces beyond their bound, and never on more than two
 * lines in a row. */
#include <ctype.h>
#include <hyphen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "typeset-impl.h"

/* Letters kept before and after a hyphen (TeX's English defaults are 2 and 3). */
enum { LEFT_MIN = 2, RIGHT_MIN = 3, WORD_MAX = 64 };

static const char dict_dir[] = "/usr/share/hyphen";

static HyphenDict *load(const char *lang)
{
  /* en-US → hyph_en_US.dic, then hyph_en.dic */
  char ll[8] = "", cc[8] = "";
  size_t i = 0;
  for (; lang[i] && isalpha((unsigned char)lang[i]) && i < 3; i++)
    ll[i] = (char)tolower((unsigned char)lang[i]);
  ll[i] = 0;
  const char *r = strchr(lang, '-');
  if (r && strlen(r + 1) == 2)
    for (int k = 0; k < 2; k++)
      cc[k] = (char)toupper((unsigned char)r[1 + k]);
  if (!*ll)
    return NULL;
  char path[256];
  HyphenDict *d = NULL;
  if (*cc) {
    snprintf(path, sizeof path, "%s/hyph_%s_%s.dic", dict_dir, ll, cc);
    d = hnj_hyphen_load(path);
  }
  if (!d) {
    snprintf(path, sizeof path, "%s/hyph_%s.dic", dict_dir, ll);
    d = hnj_hyphen_load(path);
  }
  return d;
}

/* The book's dictionaries, shared by its threads: libhyphen only reads a dictionary once it
 * is loaded, and loading one (its patterns parsed into a state machine: 10 ms for English)
 * is done once per book, not once per layout thread. Kept to the book's end: there are as
 * many as the languages with a dictionary installed, at most. */
struct bs_ts_hyphs {
  pthread_mutex_t mu;
  struct bs_ts_hyph *v; /* dict NULL: none for lang */
  size_t n;
};

bs_ts_hyphs *bs_ts_hyphs_new(void)
{
  bs_ts_hyphs *h = bs_xcalloc(1, sizeof *h);
  pthread_mutex_init(&h->mu, NULL);
  return h;
}

void bs_ts_hyphs_free(bs_ts_hyphs *h)
{
  if (!h)
    return;
  for (size_t i = 0; i < h->n; i++)
    if (h->v[i].dict)
      hnj_hyphen_free(h->v[i].dict);
  free(h->v);
  pthread_mutex_destroy(&h->mu);
  free(h);
}

static void *book_dict(bs_ts_hyphs *h, const char *lang)
{
  pthread_mutex_lock(&h->mu);
  size_t i = 0;
  while (i < h->n && strcmp(h->v[i].lang, lang))
    i++;
  if (i == h->n) {
    h->v = bs_xrealloc(h->v, (h->n + 1) * sizeof *h->v);
    snprintf(h->v[i].lang, sizeof h->v[i].lang, "%s", lang);
    h->v[i].dict = load(lang);
    h->n++;
  }
  void *d = h->v[i].dict;
  pthread_mutex_unlock(&h->mu);
  return d;
}

/* The document language's dictionary: from the shaper's few last used (a lookup per word
 * takes no lock), else from the book's. */
static HyphenDict *dict_for(bs_ts_ctx *c)
{
  if (bs_ts_cjk_doc(c))
    return NULL;
  const char *lang = c->doc_lang;
  bs_ts_shaper *sh = c->sh;
  enum { N = sizeof sh->hyph / sizeof sh->hyph[0] };
  size_t i = 0;
  while (i < N && sh->hyph[i].lang[0] && strcmp(sh->hyph[i].lang, lang))
    i++;
  struct bs_ts_hyph e;
  if (i < N && sh->hyph[i].lang[0]) {
    e = sh->hyph[i];
  } else {
    if (i == N) /* full: the least recently used goes (the book keeps it) */
      i = N - 1;
    snprintf(e.lang, sizeof e.lang, "%s", lang);
    e.dict = book_dict(c->bk->hyphs, lang);
  }
  memmove(&sh->hyph[1], &sh->hyph[0], i * sizeof e);
  sh->hyph[0] = e;
  return e.dict;
}

static bool letter(const char *s, size_t n, size_t i, size_t *len)
{
  uint32_t cp;
  *len = bs_utf8_decode(s + i, n - i, &cp);
  if (!*len)
    return false;
  return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
         (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7) || cp == 0xAD;
}

size_t bs_ts_hyphen_points(bs_ts_ctx *c, const char *text, size_t a, size_t b, size_t *out,
                           size_t max)
{
  size_t n = 0;
  size_t i = a;
  while (i < b && n < max) {
    size_t k;
    if (!letter(text, b, i, &k)) {
      i += k ? k : 1;
      continue;
    }
    /* a word: a run of letters */
    size_t w = i, chars = 0;
    bool shy = false;
    while (i < b && letter(text, b, i, &k)) {
      shy |= k == 2 && (unsigned char)text[i] == 0xC2 && (unsigned char)text[i + 1] == 0xAD;
      chars++;
      i += k;
    }
    if (shy) { /* the author's points, and only those */
      for (size_t q = w; q + 1 < i && n < max; q++)
        if ((unsigned char)text[q] == 0xC2 && (unsigned char)text[q + 1] == 0xAD && q > w &&
            q + 2 < i)
          out[n++] = q + 2;
      continue;
    }
    HyphenDict *d = chars >= LEFT_MIN + RIGHT_MIN && i - w < WORD_MAX ? dict_for(c) : NULL;
    if (!d)
      continue;
    char word[WORD_MAX + 1], hy[WORD_MAX + 5];
    size_t len = i - w;
    for (size_t q = 0; q < len; q++) /* libhyphen wants lower case; ASCII only changes */
      word[q] = (char)tolower((unsigned char)text[w + q]);
    word[len] = 0;
    char **rep = NULL;
    int *pos = NULL, *cut = NULL;
    /* with a UTF-8 dictionary libhyphen indexes its result by character: end[j] is the
     * byte after character j */
    size_t end[WORD_MAX + 1], nc = 0;
    for (size_t q = 0; q < len; q++)
      if (q + 1 == len || ((unsigned char)word[q + 1] >> 6) != 2)
        end[nc++] = q + 1;
    if (!hnj_hyphen_hyphenate3(d, word, (int)len, hy, NULL, &rep, &pos, &cut, LEFT_MIN,
                               RIGHT_MIN, LEFT_MIN, RIGHT_MIN)) {
      for (size_t q = 0; q + 1 < nc && n < max; q++)
        if ((hy[q] & 1) && !(rep && rep[q]))
          out[n++] = w + end[q]; /* a break after character q */
    }
    if (rep) {
      for (size_t q = 0; q < len; q++)
        free(rep[q]);
      free(rep);
      free(pos);
      free(cut);
    }
  }
  return n;
}

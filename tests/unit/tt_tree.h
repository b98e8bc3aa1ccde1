/* A tiny plain-text → tree builder for the typesetter tests, used until the text reader
 * (src/read/text.c) lands: the first line is a level-1 heading, every other non-empty line a
 * paragraph, `**…**` is strong, a line starting with "#" a level-2 heading. */
#ifndef TT_TREE_H
#define TT_TREE_H

#include <stdlib.h>
#include <string.h>

#include "bisheng/bisheng.h"

static void tt_inline(bs_node *parent, const char *s, size_t n)
{
  size_t i = 0, start = 0;
  bool strong = false;
  bs_node *target = parent;
  while (i <= n) {
    if (i == n || (i + 1 < n && s[i] == '*' && s[i + 1] == '*')) {
      if (i > start)
        bs_node_append_child(target, bs_node_new_text(BS_NODE_TEXT, s + start, i - start));
      if (i == n)
        break;
      strong = !strong;
      if (strong) {
        target = bs_node_new(BS_NODE_STRONG);
        bs_node_append_child(parent, target);
      } else {
        target = parent;
      }
      i += 2;
      start = i;
      continue;
    }
    i++;
  }
}

/* Builds a document from text; the caller frees it with bs_node_free. */
static bs_node *tt_tree(const char *text, size_t len, const char *lang, bs_direction dir)
{
  bs_node *doc = bs_node_new(BS_NODE_DOCUMENT);
  if (lang)
    bs_node_set_meta(doc, BS_META_LANG, lang);
  if (dir != BS_DIR_DEFAULT)
    bs_node_set_meta(doc, BS_META_DIRECTION, bs_direction_string(dir));
  size_t i = 0;
  int n = 0;
  while (i < len) {
    size_t e = i;
    while (e < len && text[e] != '\n')
      e++;
    size_t a = i, b = e;
    while (b > a && (text[b - 1] == '\r' || text[b - 1] == ' '))
      b--;
    if (b > a) {
      bs_node *blk;
      if (n == 0 || text[a] == '#') {
        int lv = n == 0 ? 1 : 2;
        while (a < b && (text[a] == '#' || text[a] == ' '))
          a++;
        blk = bs_node_new(BS_NODE_HEADING);
        bs_node_set_heading_level(blk, lv);
      } else {
        blk = bs_node_new(BS_NODE_PARAGRAPH);
      }
      tt_inline(blk, text + a, b - a);
      bs_node_append_child(doc, blk);
      n++;
    }
    i = e + 1;
  }
  return doc;
}

static const char *tt_lang_of(const char *path)
{
  if (strstr(path, ".zh-Hans."))
    return "zh-Hans";
  if (strstr(path, ".ja.") || strstr(path, "aozora"))
    return "ja";
  return "zh-Hant";
}

#endif

/* The tree as JSON: the golden format of reader tests (`bisheng dump`). */
#include <stdio.h>
#include <string.h>

#include "../util/util.h"
#include "bisheng/node.h"

static void json_str(bs_buf *b, const char *s)
{
  bs_buf_put_json(b, s, s ? strlen(s) : 0);
}

static void indent(bs_buf *b, int depth)
{
  bs_buf_putc(b, '\n');
  for (int i = 0; i < depth; i++)
    bs_buf_puts(b, "  ");
}

static void key(bs_buf *b, int depth, const char *k, bool *first)
{
  if (!*first)
    bs_buf_putc(b, ',');
  *first = false;
  indent(b, depth);
  json_str(b, k);
  bs_buf_puts(b, ": ");
}

static void dump_meta(bs_buf *b, const bs_node *n, int depth)
{
  bs_buf_putc(b, '{');
  bool first = true;
  for (int k = 0; k < BS_META_STRING_COUNT; k++) {
    const char *v = bs_node_get_meta(n, (bs_meta_key)k);
    if (!v)
      continue;
    key(b, depth + 1, bs_meta_key_string((bs_meta_key)k), &first);
    json_str(b, v);
  }
  for (int k = 0; k < BS_META_LIST_COUNT; k++) {
    size_t c = bs_node_get_meta_count(n, (bs_meta_list_key)k);
    if (!c)
      continue;
    key(b, depth + 1, bs_meta_list_key_string((bs_meta_list_key)k), &first);
    bs_buf_putc(b, '[');
    for (size_t i = 0; i < c; i++) {
      if (i)
        bs_buf_puts(b, ", ");
      json_str(b, bs_node_get_meta_item(n, (bs_meta_list_key)k, i));
    }
    bs_buf_putc(b, ']');
  }
  if (!first)
    indent(b, depth);
  bs_buf_putc(b, '}');
}

/* Per-type attributes, after "type". */
static void dump_attrs(bs_buf *b, const bs_node *n, int depth, bool *first)
{
  bs_node_type t = bs_node_get_type(n);
  const char *s;
  switch (t) {
  case BS_NODE_TEXT:
  case BS_NODE_CODE:
  case BS_NODE_CODE_BLOCK:
    if (t == BS_NODE_CODE_BLOCK && (s = bs_node_get_info(n)) && *s) {
      key(b, depth, "info", first);
      json_str(b, s);
    }
    key(b, depth, "text", first);
    json_str(b, bs_node_get_literal(n));
    break;
  case BS_NODE_HEADING:
    key(b, depth, "level", first);
    bs_buf_printf(b, "%d", bs_node_get_heading_level(n));
    break;
  case BS_NODE_LIST:
    key(b, depth, "ordered", first);
    bs_buf_puts(b, bs_node_get_list_ordered(n) ? "true" : "false");
    if (bs_node_get_list_ordered(n) && bs_node_get_list_start(n) != 1) {
      key(b, depth, "start", first);
      bs_buf_printf(b, "%d", bs_node_get_list_start(n));
    }
    break;
  case BS_NODE_FIGURE:
    key(b, depth, "src", first);
    if ((s = bs_node_get_src(n)))
      json_str(b, s);
    else
      bs_buf_puts(b, "null");
    key(b, depth, "caption", first);
    json_str(b, bs_node_get_caption(n));
    key(b, depth, "credit", first);
    json_str(b, bs_node_get_credit(n));
    break;
  case BS_NODE_LINK:
    key(b, depth, "href", first);
    json_str(b, bs_node_get_href(n));
    if ((s = bs_node_get_title(n)) && *s) {
      key(b, depth, "title", first);
      json_str(b, s);
    }
    break;
  case BS_NODE_FOOTNOTE_REF:
  case BS_NODE_FOOTNOTE_DEF:
    key(b, depth, "label", first);
    json_str(b, bs_node_get_label(n));
    break;
  case BS_NODE_RUBY:
    key(b, depth, "annotation", first);
    json_str(b, bs_node_get_annotation(n));
    break;
  case BS_NODE_TABLE_CELL:
    if (bs_node_get_cell_header(n)) {
      key(b, depth, "header", first);
      bs_buf_puts(b, "true");
    }
    if (bs_node_get_cell_align(n) != BS_ALIGN_NONE) {
      static const char *const al[] = {"", "left", "center", "right"};
      key(b, depth, "align", first);
      json_str(b, al[bs_node_get_cell_align(n)]);
    }
    break;
  default:
    break;
  }
  if (t != BS_NODE_DOCUMENT && t != BS_NODE_BOOK && (s = bs_node_get_lang(n))) {
    key(b, depth, "lang", first);
    json_str(b, s);
  }
  if ((s = bs_node_get_class(n))) {
    key(b, depth, "class", first);
    json_str(b, s);
  }
  if (bs_node_get_indent(n) > 0) {
    key(b, depth, "indent", first);
    bs_buf_printf(b, "%d", bs_node_get_indent(n));
  }
}

/* Iterative over the tree so deep nesting cannot exhaust the stack. */
static void dump_children(bs_buf *b, const bs_node *parent, int depth, const char *name,
                          bool *pfirst)
{
  key(b, depth, name, pfirst);
  bs_buf_putc(b, '[');
  if (!bs_node_first_child(parent)) {
    bs_buf_putc(b, ']');
    return;
  }
  /* The iterator covers one subtree at a time, so walk the top-level siblings by hand. */
  for (const bs_node *top = bs_node_first_child(parent); top; top = bs_node_next(top)) {
    bs_iter *it = bs_iter_new((bs_node *)top);
    int d = depth + 1;
    bs_event ev;
    while ((ev = bs_iter_next(it)) != BS_EVENT_DONE) {
      const bs_node *n = bs_iter_get_node(it);
      if (ev == BS_EVENT_ENTER) {
        if (bs_node_previous(n))
          bs_buf_putc(b, ',');
        indent(b, d);
        bs_buf_putc(b, '{');
        bool first = true;
        key(b, d + 1, "type", &first);
        json_str(b, bs_node_type_string(bs_node_get_type(n)));
        dump_attrs(b, n, d + 1, &first);
        if (bs_node_is_leaf_type(bs_node_get_type(n))) {
          indent(b, d);
          bs_buf_putc(b, '}');
        } else {
          key(b, d + 1, "children", &first);
          bs_buf_putc(b, '[');
          if (bs_node_first_child(n))
            d += 2;
          else
            bs_buf_puts(b, "]"), indent(b, d), bs_buf_putc(b, '}');
        }
      } else if (ev == BS_EVENT_EXIT && bs_node_first_child(n)) {
        d -= 2;
        indent(b, d + 1);
        bs_buf_putc(b, ']');
        indent(b, d);
        bs_buf_putc(b, '}');
      }
    }
    bs_iter_free(it);
  }
  indent(b, depth);
  bs_buf_putc(b, ']');
}

static void dump_document(bs_buf *b, const bs_node *doc, int depth)
{
  bs_buf_putc(b, '{');
  bool first = true;
  key(b, depth + 1, "meta", &first);
  dump_meta(b, doc, depth + 1);
  dump_children(b, doc, depth + 1, "blocks", &first);
  indent(b, depth);
  bs_buf_putc(b, '}');
}

bs_status bs_node_dump_json(const bs_node *root, FILE *out, bs_error *err)
{
  bs_buf b = BS_BUF_INIT;
  if (bs_node_get_type(root) == BS_NODE_BOOK) {
    bs_buf_putc(&b, '{');
    bool first = true;
    key(&b, 1, "meta", &first);
    dump_meta(&b, root, 1);
    key(&b, 1, "chapters", &first);
    bs_buf_putc(&b, '[');
    bool ok = true;
    for (const bs_node *c = bs_node_first_child(root); c; c = bs_node_next(c)) {
      if (c != bs_node_first_child(root))
        bs_buf_putc(&b, ',');
      indent(&b, 2);
      dump_document(&b, c, 2);
      /* a chapter at a time: a 1,000-article book is ~30 MB of JSON */
      ok = ok && fwrite(b.data, 1, b.len, out) == b.len;
      bs_buf_clear(&b);
    }
    if (!ok) {
      bs_buf_free(&b);
      return bs_error_set(err, BS_ERR_IO, NULL, 0, 0, "write error");
    }
    indent(&b, 1);
    bs_buf_puts(&b, "]\n}\n");
  } else if (bs_node_get_type(root) == BS_NODE_DOCUMENT) {
    dump_document(&b, root, 0);
    bs_buf_putc(&b, '\n');
  } else {
    bs_buf_free(&b);
    return bs_error_set(err, BS_ERR_ARGUMENT, NULL, 0, 0, "dump needs a book or a document");
  }
  size_t w = fwrite(b.data, 1, b.len, out);
  bool ok = w == b.len && fflush(out) == 0;
  bs_buf_free(&b);
  return ok ? BS_OK : bs_error_set(err, BS_ERR_IO, NULL, 0, 0, "write error");
}

/* bisheng: the document tree.
 *
 * One tree feeds every writer. A book node holds document nodes (chapters); a document holds
 * blocks; blocks hold blocks or inlines. The API follows cmark: opaque nodes, typed accessors,
 * an ENTER/EXIT iterator, edits that refuse what the content model forbids.
 *
 * Ownership: a node belongs to its parent once attached; a detached node belongs to the
 * caller, who frees it (and everything below it) with bs_node_free. Setters copy strings;
 * getters return strings borrowed until the node is changed or freed. */
#ifndef BISHENG_NODE_H
#define BISHENG_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  BS_NODE_NONE = 0,

  /* Roots */
  BS_NODE_BOOK,     /* children: documents (chapters); carries book metadata */
  BS_NODE_DOCUMENT, /* children: blocks; carries article metadata */

  /* Blocks */
  BS_NODE_PARAGRAPH,
  BS_NODE_HEADING,      /* level 1-6 */
  BS_NODE_BLOCK_QUOTE,  /* children: blocks */
  BS_NODE_LIST,         /* ordered or not, start; children: items */
  BS_NODE_ITEM,         /* children: blocks */
  BS_NODE_CODE_BLOCK,   /* literal, info string */
  BS_NODE_THEMATIC_BREAK,
  BS_NODE_PAGE_BREAK,   /* an explicit page break (Aozora ［＃改ページ］) */
  BS_NODE_FIGURE,       /* src, caption, credit; no children */
  BS_NODE_TABLE,        /* children: rows */
  BS_NODE_TABLE_ROW,    /* children: cells */
  BS_NODE_TABLE_CELL,   /* header flag, alignment; children: inlines */
  BS_NODE_FOOTNOTE_DEF, /* label; children: blocks */

  /* Inlines */
  BS_NODE_TEXT,          /* literal */
  BS_NODE_STRONG,
  BS_NODE_EMPHASIS,
  BS_NODE_STRIKETHROUGH,
  BS_NODE_EMPHASIS_MARK, /* emphasis dots (著重號/傍点) over its children */
  BS_NODE_LINK,          /* href, title */
  BS_NODE_CODE,          /* literal */
  BS_NODE_LINE_BREAK,
  BS_NODE_FOOTNOTE_REF,  /* label */
  BS_NODE_RUBY,          /* children: the base (text); annotation string */
  BS_NODE_SPAN,          /* a run with its own language */
  BS_NODE_SUPERSCRIPT,
  BS_NODE_SUBSCRIPT,

  BS_NODE_FIRST_ROOT = BS_NODE_BOOK,
  BS_NODE_LAST_ROOT = BS_NODE_DOCUMENT,
  BS_NODE_FIRST_BLOCK = BS_NODE_PARAGRAPH,
  BS_NODE_LAST_BLOCK = BS_NODE_FOOTNOTE_DEF,
  BS_NODE_FIRST_INLINE = BS_NODE_TEXT,
  BS_NODE_LAST_INLINE = BS_NODE_SUBSCRIPT
} bs_node_type;

typedef enum { BS_DIR_DEFAULT = 0, BS_DIR_HORIZONTAL, BS_DIR_VERTICAL } bs_direction;

typedef enum { BS_ALIGN_NONE = 0, BS_ALIGN_LEFT, BS_ALIGN_CENTER, BS_ALIGN_RIGHT } bs_align;

/* Metadata keys with one string value. */
typedef enum {
  BS_META_TITLE = 0,
  BS_META_SUBTITLE,
  BS_META_AFFILIATION,
  BS_META_DATE,
  BS_META_LANG,      /* BCP 47, e.g. zh-Hant, zh-Hans, ja, en */
  BS_META_SOURCE,    /* site or publication the article comes from */
  BS_META_DIRECTION, /* "horizontal" or "vertical" as written in the input */
  BS_META_DESCRIPTION,
  BS_META_COVER,     /* cover image path */
  BS_META_IDENTIFIER,
  BS_META_PUBLISHER,
  BS_META_EDITOR,
  BS_META_URL,
  BS_META_RIGHTS,
  BS_META_COLLECTION, /* the series a volume belongs to (EPUB belongs-to-collection) */
  BS_META_POSITION,   /* the volume's number in it, "1", "2"... (group-position) */
  BS_META_STRING_COUNT
} bs_meta_key;

/* Metadata keys with a list of strings. */
typedef enum { BS_META_AUTHORS = 0, BS_META_TAGS, BS_META_LIST_COUNT } bs_meta_list_key;

typedef struct bs_node bs_node;

/* ---- Creation and destruction ---- */

/* A new detached node of `type`. Caller frees with bs_node_free. Aborts on out of memory. */
BS_API bs_node *bs_node_new(bs_node_type type);
/* A new text (or code) node holding a copy of `len` bytes of `text`. */
BS_API bs_node *bs_node_new_text(bs_node_type type, const char *text, size_t len);
/* Frees `node` and everything below it, unlinking it first. NULL is a no-op. */
BS_API void bs_node_free(bs_node *node);

/* ---- Type ---- */

BS_API bs_node_type bs_node_get_type(const bs_node *node);
/* The snake-case name used in dumps: "paragraph", "block_quote", ... */
BS_API const char *bs_node_type_string(bs_node_type type);
BS_API bool bs_node_is_block(const bs_node *node);
BS_API bool bs_node_is_inline(const bs_node *node);
/* True if a node of type `child` may be a child of a node of type `parent`. */
BS_API bool bs_node_can_contain(bs_node_type parent, bs_node_type child);

/* ---- Navigation (all borrowed, NULL when none) ---- */

BS_API bs_node *bs_node_parent(const bs_node *node);
BS_API bs_node *bs_node_first_child(const bs_node *node);
BS_API bs_node *bs_node_last_child(const bs_node *node);
BS_API bs_node *bs_node_next(const bs_node *node);
BS_API bs_node *bs_node_previous(const bs_node *node);
BS_API size_t bs_node_child_count(const bs_node *node);

/* ---- Editing: false (and no change) when the content model refuses ---- */

BS_API bool bs_node_append_child(bs_node *parent, bs_node *child);
BS_API bool bs_node_prepend_child(bs_node *parent, bs_node *child);
BS_API bool bs_node_insert_before(bs_node *node, bs_node *sibling);
BS_API bool bs_node_insert_after(bs_node *node, bs_node *sibling);
/* Detaches `node` from its parent and siblings; the caller then owns it. */
BS_API void bs_node_unlink(bs_node *node);
/* Puts `replacement` where `node` was; `node` is unlinked and owned by the caller. */
BS_API bool bs_node_replace(bs_node *node, bs_node *replacement);

/* ---- Per-type data. Getters return 0/NULL on the wrong type; setters return false. ---- */

/* Text and code nodes, code blocks. */
BS_API const char *bs_node_get_literal(const bs_node *node);
BS_API size_t bs_node_get_literal_length(const bs_node *node);
BS_API bool bs_node_set_literal(bs_node *node, const char *text, size_t len);
/* Appends to the literal of a text/code/code-block node. */
BS_API bool bs_node_append_literal(bs_node *node, const char *text, size_t len);

BS_API int bs_node_get_heading_level(const bs_node *node);
BS_API bool bs_node_set_heading_level(bs_node *node, int level);

BS_API bool bs_node_get_list_ordered(const bs_node *node);
BS_API bool bs_node_set_list_ordered(bs_node *node, bool ordered);
BS_API int bs_node_get_list_start(const bs_node *node);
BS_API bool bs_node_set_list_start(bs_node *node, int start);

/* Code blocks: the info string (language). */
BS_API const char *bs_node_get_info(const bs_node *node);
BS_API bool bs_node_set_info(bs_node *node, const char *info);

/* Links: target and title. Figures: image path or URL (src). */
BS_API const char *bs_node_get_href(const bs_node *node);
BS_API bool bs_node_set_href(bs_node *node, const char *href);
BS_API const char *bs_node_get_title(const bs_node *node);
BS_API bool bs_node_set_title(bs_node *node, const char *title);
BS_API const char *bs_node_get_src(const bs_node *node);
BS_API bool bs_node_set_src(bs_node *node, const char *src);
BS_API const char *bs_node_get_caption(const bs_node *node);
BS_API bool bs_node_set_caption(bs_node *node, const char *caption);
BS_API const char *bs_node_get_credit(const bs_node *node);
BS_API bool bs_node_set_credit(bs_node *node, const char *credit);

/* Footnote references and definitions: the label that pairs them. */
BS_API const char *bs_node_get_label(const bs_node *node);
BS_API bool bs_node_set_label(bs_node *node, const char *label);

/* Ruby: the annotation (reading) over the node's children. */
BS_API const char *bs_node_get_annotation(const bs_node *node);
BS_API bool bs_node_set_annotation(bs_node *node, const char *annotation);

/* Table cells. */
BS_API bool bs_node_get_cell_header(const bs_node *node);
BS_API bool bs_node_set_cell_header(bs_node *node, bool header);
BS_API bs_align bs_node_get_cell_align(const bs_node *node);
BS_API bool bs_node_set_cell_align(bs_node *node, bs_align align);

/* Blocks: extra indent in em (Aozora ［＃８字下げ］), 0 by default. */
/* Blocks and inlines: space-separated class names a reader found (pandoc Markdown's
 * `::: byline` fenced divs and `[text]{.class}` spans), or NULL. Writers may use them (the
 * EPUB writer puts them on the element, for a user stylesheet). */
BS_API const char *bs_node_get_class(const bs_node *node);
BS_API bool bs_node_set_class(bs_node *node, const char *classes);

BS_API int bs_node_get_indent(const bs_node *node);
BS_API bool bs_node_set_indent(bs_node *node, int em);

/* ---- Language and direction (any node; inherited like xml:lang) ---- */

/* The node's own language tag, or NULL. */
BS_API const char *bs_node_get_lang(const bs_node *node);
BS_API bool bs_node_set_lang(bs_node *node, const char *bcp47);
/* The nearest language up the ancestors (a document's is its BS_META_LANG), or NULL. */
BS_API const char *bs_node_get_inherited_lang(const bs_node *node);
/* The direction preference of the nearest document or book that states one. */
BS_API bs_direction bs_node_get_inherited_direction(const bs_node *node);
/* The direction a book's chapter (document) is set in, the same in every writer: `forced` is
 * the output's or command line's direction (DEFAULT: none), `book` the book's (its own, else
 * its first chapter's). A document that says horizontal is horizontal; one in a language
 * without a vertical tradition (not zh, ja, ko) is horizontal unless it says vertical and
 * nothing forces horizontal; otherwise `forced`, else its own, else `book`. */
BS_API bs_direction bs_node_get_chapter_direction(const bs_node *doc, bs_direction forced,
                                                  bs_direction book);
BS_API bs_direction bs_direction_from_string(const char *s); /* DEFAULT if unknown */
BS_API const char *bs_direction_string(bs_direction d);      /* "horizontal", ... */

/* ---- Metadata (book and document nodes) ---- */

BS_API const char *bs_meta_key_string(bs_meta_key key);          /* "title", ... */
BS_API const char *bs_meta_list_key_string(bs_meta_list_key key); /* "authors", "tags" */
BS_API const char *bs_node_get_meta(const bs_node *node, bs_meta_key key);
/* Sets (copies) or, with NULL, clears a value. */
BS_API bool bs_node_set_meta(bs_node *node, bs_meta_key key, const char *value);
BS_API size_t bs_node_get_meta_count(const bs_node *node, bs_meta_list_key key);
BS_API const char *bs_node_get_meta_item(const bs_node *node, bs_meta_list_key key, size_t i);
BS_API bool bs_node_add_meta_item(bs_node *node, bs_meta_list_key key, const char *value);
BS_API bool bs_node_clear_meta_list(bs_node *node, bs_meta_list_key key);

/* ---- Source position (where the reader found the node) ---- */

typedef struct bs_pos {
  int line;        /* 1-based, 0 unknown */
  int column;      /* 1-based, in characters */
  long long offset; /* bytes from the input's start */
} bs_pos;

BS_API bs_pos bs_node_get_pos(const bs_node *node);
BS_API void bs_node_set_pos(bs_node *node, int line, int column, long long offset);
/* The input file a document (or book manifest) was read from; inherited downward. */
BS_API const char *bs_node_get_input(const bs_node *node);
BS_API bool bs_node_set_input(bs_node *node, const char *path);

/* ---- Iteration ---- */

typedef enum { BS_EVENT_NONE = 0, BS_EVENT_DONE, BS_EVENT_ENTER, BS_EVENT_EXIT } bs_event;
typedef struct bs_iter bs_iter;

/* Walks `root` and its descendants. Leaf nodes give ENTER only. Modify a node only after its
 * EXIT. Caller frees with bs_iter_free. */
BS_API bs_iter *bs_iter_new(bs_node *root);
BS_API void bs_iter_free(bs_iter *iter);
BS_API bs_event bs_iter_next(bs_iter *iter);
BS_API bs_node *bs_iter_get_node(const bs_iter *iter);
BS_API bs_event bs_iter_get_event(const bs_iter *iter);
/* Continues from `node` with `event` (as cmark_iter_reset). */
BS_API void bs_iter_reset(bs_iter *iter, bs_node *node, bs_event event);

/* True for node types that have no children (text, code, breaks, figures, refs). */
BS_API bool bs_node_is_leaf_type(bs_node_type type);

/* ---- A book given chapter by chapter ---- */

/* A book's chapters given one at a time, for books too large to hold whole: the writer asks
 * for chapter i (0 to count-1, in order) when it needs it and gives it back as soon as it is
 * done with it, so one chapter at a time is in memory (plus a few made ahead). A writer may ask
 * for each chapter more than once (the EPUB writer: to plan the package, then to write the
 * page), on the writing thread or on a thread making pages ahead, never two at once; the
 * source must give the same chapter each time (or fail). */
typedef struct bs_chapter_source {
  size_t count;
  /* The i-th chapter, a BS_NODE_DOCUMENT borrowed until put(i), or *doc = NULL to leave it
   * out of the book (the same answer every time). An error stops the writer with it. */
  bs_status (*get)(void *user, size_t i, const bs_node **doc, bs_error *err);
  void (*put)(void *user, size_t i, const bs_node *doc); /* NULL: nothing to give back */
  void *user;
} bs_chapter_source;

/* ---- Whole-tree helpers ---- */

/* The concatenated text of all text/code descendants (ruby gives its base), in a new
 * NUL-terminated string the caller frees with free(). */
BS_API char *bs_node_text_content(const bs_node *node);

/* Checks the tree's invariants (links, content model, levels, UTF-8 of strings); prints
 * problems to `out` (may be NULL) and returns their number. */
BS_API int bs_node_check(const bs_node *root, FILE *out);

/* Writes the tree as JSON: a document as {"meta": {...}, "blocks": [...]}, a book as
 * {"meta": {...}, "chapters": [ document, ... ]}. Returns BS_ERR_IO if writing fails. */
BS_API bs_status bs_node_dump_json(const bs_node *root, FILE *out, bs_error *err);

#ifdef __cplusplus
}
#endif
#endif

/* EPUB 3 writer: gathers the chapters (xhtml.c), images (image.c) and stylesheets, writes the
 * package document, nav and NCX, and plans them as the container's parts (container.c) in a
 * fixed order with fixed times, so the same input gives the same bytes. */
#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>
#include <libxml/xmlwriter.h>

#include "epub-impl.h"

#define OPF_NS BAD_CAST "http://www.idpf.org/2007/opf"
#define DC_NS BAD_CAST "http://purl.org/dc/elements/1.1/"
#define NCX_NS BAD_CAST "http://www.daisy.org/z3986/2005/ncx/"
#define CONTAINER_NS BAD_CAST "urn:oasis:names:tc:opendocument:xmlns:container"


void bs_epub_options_init(bs_epub_options *o)
{
  memset(o, 0, sizeof *o);
  o->source_date = -1;
}

void bs_epub_warn(bs_epub *e, bs_status code, const char *path, int line, const char *fmt, ...)
{
  if (e->quiet) /* --embed-fonts' second pass: its warnings were given by the first */
    return;
  va_list ap;
  va_start(ap, fmt);
  bs_diag_vemit(e->opts->diag, e->opts->diag_user, code, path, line, 0, fmt, ap);
  va_end(ap);
}

const char *bs_epub_lang_of(const bs_epub *e, const bs_node *node)
{
  const char *l = bs_node_get_inherited_lang(node);
  return l && *l && bs_epub_lang_ok(l) ? l : e->book_lang;
}

bool bs_epub_node_vertical(const bs_epub *e, const bs_node *doc)
{
  /* issue #16: a book's chapter follows its own direction or language first (as in the PDF) */
  if (bs_node_get_type(e->root) == BS_NODE_BOOK && doc != e->root)
    return bs_node_get_chapter_direction(doc, e->forced,
                                         e->book_vertical ? BS_DIR_VERTICAL
                                                          : BS_DIR_HORIZONTAL) ==
           BS_DIR_VERTICAL;
  if (e->forced != BS_DIR_DEFAULT)
    return e->forced == BS_DIR_VERTICAL;
  bs_direction d = bs_node_get_inherited_direction(doc);
  if (d == BS_DIR_DEFAULT)
    return e->book_vertical;
  return d == BS_DIR_VERTICAL;
}

static void hash_bytes(uint64_t *h, const void *d, size_t n)
{
  const unsigned char *p = d;
  for (size_t i = 0; i < n; i++)
    *h = (*h ^ p[i]) * 0x100000001b3ull;
}

static size_t new_entry(bs_epub *e, const char *href, const char *id, const char *media_type,
                        bool spine, size_t part)
{
  if (e->nentries == e->centries) {
    e->centries = e->centries ? e->centries * 2 : 32;
    e->entries = bs_xrealloc(e->entries, e->centries * sizeof *e->entries);
  }
  bs_epub_entry *x = &e->entries[e->nentries];
  memset(x, 0, sizeof *x);
  x->href = bs_xstrdup(href);
  x->id = bs_xstrdup(id);
  x->media_type = media_type;
  x->spine = spine;
  x->part = part;
  return e->nentries++;
}

size_t bs_epub_add_entry(bs_epub *e, const char *href, const char *id, const char *media_type,
                         const char *data, size_t len, bool spine, bool compress)
{
  bs_buf name = BS_BUF_INIT;
  bs_buf_printf(&name, "EPUB/%s", href);
  size_t part = bs_epub_part_add_bytes(e, name.data, compress, data, len);
  bs_buf_free(&name);
  return new_entry(e, href, id, media_type, spine, part);
}

size_t bs_epub_add_made(bs_epub *e, const char *href, const char *id, const char *media_type,
                        bool spine, bool compress, bs_epub_make_fn make, const void *arg,
                        int number)
{
  bs_buf name = BS_BUF_INIT;
  bs_buf_printf(&name, "EPUB/%s", href);
  size_t part = bs_epub_part_add(e, name.data, compress, make, arg, number);
  bs_buf_free(&name);
  return new_entry(e, href, id, media_type, spine, part);
}

void bs_epub_add_toc(bs_epub *e, int depth, const char *label, const char *href)
{
  if (e->ntoc == e->ctoc) {
    e->ctoc = e->ctoc ? e->ctoc * 2 : 64;
    e->toc = bs_xrealloc(e->toc, e->ctoc * sizeof *e->toc);
  }
  e->toc[e->ntoc].depth = depth;
  e->toc[e->ntoc].label = bs_xstrdup(label);
  e->toc[e->ntoc].href = bs_xstrdup(href);
  e->ntoc++;
}

static int dump_write(void *ctx, const char *data, int len)
{
  bs_buf_put(ctx, data, (size_t)len);
  return len;
}

void bs_epub_xml_dump(void *xml_doc, int format, bs_buf *out)
{
  bs_buf_clear(out);
  /* straight into our buffer: no libxml2 buffer to grow and copy out of */
  xmlSaveCtxtPtr ctx = xmlSaveToIO(dump_write, NULL, out, "UTF-8",
                                   XML_SAVE_AS_XML | (format ? XML_SAVE_FORMAT : 0));
  if (!ctx || xmlSaveDoc(ctx, (xmlDocPtr)xml_doc) < 0)
    abort(); /* only out of memory makes libxml2 fail here */
  xmlSaveClose(ctx);
  if (!out->data)
    bs_buf_grow(out, 0);
}

static void free_epub(bs_epub *e)
{
  for (size_t i = 0; i < e->nentries; i++) {
    free(e->entries[i].href);
    free(e->entries[i].id);
    free(e->entries[i].properties);
  }
  free(e->entries);
  for (size_t i = 0; i < e->ntoc; i++) {
    free(e->toc[i].label);
    free(e->toc[i].href);
  }
  free(e->toc);
  for (size_t i = 0; i < e->nimages; i++) {
    free(e->images[i].key);
    free(e->images[i].real);
  }
  free(e->images);
  for (size_t i = 0; i < e->nfigs; i++) {
    free(e->figs[i].src);
    free(e->figs[i].input);
  }
  free(e->figs);
  for (size_t i = 0; i < e->ncreators; i++)
    free(e->creators[i]);
  free(e->creators);
  free(e->present);
  free(e->first_chapter);
  free(e->title);
  bs_epub_fonts_free(e);
  bs_epub_container_free(e);
  bs_buf_free(&e->page);
}

/* W3CDTF (YYYY, YYYY-MM, YYYY-MM-DD, optionally with a time): only such dates go into
 * dc:date; any other date stays on the title page only. */
static bool w3cdtf(const char *s)
{
  static const char *shapes[] = {"dddd", "dddd-dd", "dddd-dd-dd", "dddd-dd-ddTdd:ddZ",
                                 "dddd-dd-ddTdd:dd:ddZ"};
  for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
    const char *p = shapes[k], *q = s;
    while (*p && *q && (*p == 'd' ? isdigit((unsigned char)*q) : *p == *q))
      p++, q++;
    if (!*p && !*q)
      return true;
  }
  return false;
}

/* Dates as CJK articles write them (2025年8月15日, 2025/8/15, 2025.8.15) in W3CDTF, or NULL. */
static char *iso_date(const char *s)
{
  int y, m, d, n = 0;
  char sep1[8] = {0}, sep2[8] = {0};
  if (sscanf(s, "%4d年%2d月%2d日%n", &y, &m, &d, &n) == 3 && n > 0 && !s[n]) {
    /* matched */
  } else if (sscanf(s, "%4d%1[/.]%2d%1[/.]%2d%n", &y, sep1, &m, sep2, &d, &n) == 5 && !s[n] &&
             sep1[0] == sep2[0]) {
    /* matched */
  } else {
    return NULL;
  }
  if (y < 1000 || m < 1 || m > 12 || d < 1 || d > 31)
    return NULL;
  char buf[48];
  snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return bs_xstrdup(buf);
}

/* Two FNV-1a 64 hashes over the content give the 128 bits of a stable urn:uuid: each file's
 * name, size and CRC-32 (taken as the container writes it). Every manifest file is written
 * before the NCX and the package document, which carry the identifier. */
static void content_uuid(bs_epub *e, char *out, size_t outlen)
{
  uint64_t h[2] = {0xcbf29ce484222325ull, 0x84222325cbf29ce4ull};
  for (size_t i = 0; i < e->nentries; i++) {
    const bs_epub_entry *x = &e->entries[i];
    unsigned char rec[12];
    const bs_epub_part *p = e->parts[x->part];
    uint32_t crc = p->crc;
    uint64_t l = p->len;
    for (int k = 0; k < 4; k++)
      rec[k] = (unsigned char)(crc >> (8 * k));
    for (int k = 0; k < 8; k++)
      rec[4 + k] = (unsigned char)(l >> (8 * k));
    for (int k = 0; k < 2; k++) {
      hash_bytes(&h[k], x->href, strlen(x->href) + 1);
      hash_bytes(&h[k], rec, sizeof rec);
      h[k] = (h[k] ^ (uint64_t)(k + 1)) * 0x100000001b3ull;
    }
  }
  unsigned char b[16];
  for (int i = 0; i < 8; i++) {
    b[i] = (unsigned char)(h[0] >> (56 - 8 * i));
    b[8 + i] = (unsigned char)(h[1] >> (56 - 8 * i));
  }
  b[6] = (unsigned char)((b[6] & 0x0F) | 0x50); /* name-based, like version 5 */
  b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
  snprintf(out, outlen,
           "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
           b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
           b[14], b[15]);
}

/* A clean copy of a metadata value (forbidden characters dropped), or NULL. */
static char *meta(bs_epub *e, const bs_node *n, bs_meta_key key)
{
  const char *v = bs_node_get_meta(n, key);
  if (!v || !*v)
    return NULL;
  char *c = bs_epub_clean(e, v, strlen(v), n);
  if (!*c) {
    free(c);
    return NULL;
  }
  return c;
}

/* A streaming writer into `out` for the generated documents (package, NCX, nav): they grow
 * with the book, and a tree of a 1,000-article book's table of contents would cost more memory
 * than the rest of the writer (issue #3's 64 MB). `indent` lays them out as the tree dump did. */
static void *writer_new(bs_buf *out, bool indent)
{
  bs_buf_clear(out);
  xmlOutputBufferPtr ob = xmlOutputBufferCreateIO(dump_write, NULL, out, NULL);
  xmlTextWriterPtr w = ob ? xmlNewTextWriter(ob) : NULL;
  if (!w)
    abort(); /* only out of memory makes libxml2 fail here */
  if (indent) {
    xmlTextWriterSetIndent(w, 1);
    xmlTextWriterSetIndentString(w, BAD_CAST "  ");
  }
  xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL);
  return w;
}

void bs_epub_writer_end(void *writer, bs_buf *out)
{
  xmlTextWriterEndDocument(writer);
  xmlFreeTextWriter(writer);
  if (!out->data)
    bs_buf_grow(out, 0);
}

void *bs_epub_writer_new(bs_buf *out) { return writer_new(out, false); }

static void start(xmlTextWriterPtr w, const char *name) { xmlTextWriterStartElement(w, BAD_CAST name); }
static void end(xmlTextWriterPtr w) { xmlTextWriterEndElement(w); }
static void attr(xmlTextWriterPtr w, const char *name, const char *value)
{
  xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST value);
}
static void text_elem(xmlTextWriterPtr w, const char *name, const char *text)
{
  xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST text);
}

static void ncx_points(const bs_epub *e, xmlTextWriterPtr w, size_t i, size_t end_, int *order)
{
  while (i < end_) {
    size_t j = i + 1;
    while (j < end_ && e->toc[j].depth > e->toc[i].depth)
      j++;
    start(w, "navPoint");
    char buf[32];
    snprintf(buf, sizeof buf, "np%d", ++*order);
    attr(w, "id", buf);
    snprintf(buf, sizeof buf, "%d", *order);
    attr(w, "playOrder", buf);
    start(w, "navLabel");
    text_elem(w, "text", e->toc[i].label);
    end(w);
    start(w, "content");
    attr(w, "src", e->toc[i].href);
    end(w);
    ncx_points(e, w, i + 1, j, order);
    end(w);
    i = j;
  }
}

static void ncx_doc(bs_epub *e, const char *id, const char *title)
{
  xmlTextWriterPtr w = writer_new(&e->page, true);
  start(w, "ncx");
  attr(w, "xmlns", (const char *)NCX_NS);
  attr(w, "version", "2005-1");
  attr(w, "xml:lang", e->book_lang);
  start(w, "head");
  int depth = 1;
  for (size_t i = 0; i < e->ntoc; i++)
    if (e->toc[i].depth + 1 > depth)
      depth = e->toc[i].depth + 1;
  char dbuf[16];
  snprintf(dbuf, sizeof dbuf, "%d", depth > 7 ? 7 : depth);
  const char *metas[][2] = {{"dtb:uid", id},
                            {"dtb:depth", dbuf},
                            {"dtb:totalPageCount", "0"},
                            {"dtb:maxPageNumber", "0"}};
  for (size_t i = 0; i < 4; i++) {
    start(w, "meta");
    attr(w, "name", metas[i][0]);
    attr(w, "content", metas[i][1]);
    end(w);
  }
  end(w);
  start(w, "docTitle");
  text_elem(w, "text", title);
  end(w);
  start(w, "navMap");
  int order = 0;
  ncx_points(e, w, 0, e->ntoc, &order);
  end(w);
  end(w);
  bs_epub_writer_end(w, &e->page);
}

static void prop_meta(xmlTextWriterPtr w, const char *property, const char *value)
{
  start(w, "meta");
  attr(w, "property", property);
  xmlTextWriterWriteString(w, BAD_CAST value);
  end(w);
}

/* EPUB Accessibility 1.1's discovery metadata (schema.org), from what the pages hold: they
 * are all made by now (the package document is the container's last file). */
static void a11y_meta(bs_epub *e, xmlTextWriterPtr w)
{
  bool images = e->nfigures > 0 || e->cover_entry != BS_EPUB_NO_ENTRY;
  bool all_alt = e->nfigures_alt == e->nfigures;
  prop_meta(w, "schema:accessMode", "textual");
  if (images)
    prop_meta(w, "schema:accessMode", "visual");
  /* text alone carries the book unless an image has no text alternative */
  prop_meta(w, "schema:accessModeSufficient", all_alt ? "textual" : "textual,visual");
  if (images && !all_alt)
    prop_meta(w, "schema:accessModeSufficient", "visual");
  static const char *const always[] = {"structuralNavigation", "tableOfContents", "readingOrder",
                                       "displayTransformability"};
  for (size_t i = 0; i < sizeof always / sizeof always[0]; i++)
    prop_meta(w, "schema:accessibilityFeature", always[i]);
  if (e->nfigures && all_alt)
    prop_meta(w, "schema:accessibilityFeature", "alternativeText");
  if (e->has_ruby)
    prop_meta(w, "schema:accessibilityFeature", "rubyAnnotations");
  prop_meta(w, "schema:accessibilityHazard", "none");
  bs_buf sum = BS_BUF_INIT;
  size_t chapters = (size_t)e->prog.total - e->nparts_seen;
  bs_buf_printf(&sum,
                "A reflowable text in reading order (%s) with a table of contents of its %zu "
                "chapter%s and their headings, navigable by heading level",
                e->book_vertical ? "vertical, read right to left" : "horizontal", chapters,
                chapters == 1 ? "" : "s");
  if (e->has_notes)
    bs_buf_puts(&sum, "; footnotes linked both ways");
  if (e->has_ruby)
    bs_buf_puts(&sum, "; ruby annotations for readings");
  if (e->nfigures)
    bs_buf_printf(&sum, "; %zu image%s, %s", e->nfigures, e->nfigures == 1 ? "" : "s",
                  all_alt ? "each described by a text alternative"
                          : "not all described by a text alternative");
  if (e->has_tables)
    bs_buf_puts(&sum, "; tables with header cells");
  bs_buf_puts(&sum, ". No page list (the book has no print page numbers). No hazards.");
  prop_meta(w, "schema:accessibilitySummary", sum.data);
  bs_buf_free(&sum);
}

/* The book's own authors name it; a book without them takes its chapters'. */
static bool own_creators(const bs_epub *e)
{
  return bs_node_get_meta_count(e->root, BS_META_AUTHORS) > 0 ||
         bs_node_get_type(e->root) != BS_NODE_BOOK;
}

/* Adds `n`'s authors to the creators, cleaned, in order, without repeats. */
static void add_creators(bs_epub *e, const bs_node *n)
{
  for (size_t i = 0; i < bs_node_get_meta_count(n, BS_META_AUTHORS); i++) {
    const char *a = bs_node_get_meta_item(n, BS_META_AUTHORS, i);
    char *c = bs_epub_clean(e, a, strlen(a), n);
    bool dup = !*c;
    for (size_t k = 0; k < e->ncreators && !dup; k++)
      dup = !strcmp(e->creators[k], c);
    if (dup) {
      free(c);
      continue;
    }
    if (e->ncreators == e->ccreators) {
      e->ccreators = e->ccreators ? e->ccreators * 2 : 16;
      e->creators = bs_xrealloc(e->creators, e->ccreators * sizeof *e->creators);
    }
    e->creators[e->ncreators++] = c;
  }
}

static void package_doc(bs_epub *e, const char *id, const char *title, time_t modified)
{
  const bs_node *root = e->root;
  xmlTextWriterPtr w = writer_new(&e->page, true);
  start(w, "package");
  attr(w, "xmlns", (const char *)OPF_NS);
  attr(w, "version", "3.0");
  attr(w, "unique-identifier", "bookid");
  attr(w, "xml:lang", e->book_lang);
  start(w, "metadata");
  attr(w, "xmlns:dc", (const char *)DC_NS);
  start(w, "dc:identifier");
  attr(w, "id", "bookid");
  xmlTextWriterWriteString(w, BAD_CAST id);
  end(w);
  start(w, "dc:title");
  attr(w, "id", "title");
  xmlTextWriterWriteString(w, BAD_CAST title);
  end(w);

  /* creators: the book's, else each chapter's in order without repeats (gathered while
   * planning, as the chapters are not kept) */
  if (own_creators(e))
    add_creators(e, root);
  for (size_t k = 0; k < e->ncreators; k++) {
    char cid[32];
    snprintf(cid, sizeof cid, "creator%zu", k + 1);
    start(w, "dc:creator");
    attr(w, "id", cid);
    xmlTextWriterWriteString(w, BAD_CAST e->creators[k]);
    end(w);
  }
  text_elem(w, "dc:language", e->book_lang);
  char stamp[32];
  struct tm tm;
  gmtime_r(&modified, &tm);
  strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  start(w, "meta");
  attr(w, "property", "dcterms:modified");
  xmlTextWriterWriteString(w, BAD_CAST stamp);
  end(w);
  static const struct {
    bs_meta_key key;
    const char *name;
  } opt[] = {{BS_META_SOURCE, "dc:source"},       {BS_META_DATE, "dc:date"},
             {BS_META_PUBLISHER, "dc:publisher"}, {BS_META_RIGHTS, "dc:rights"},
             {BS_META_DESCRIPTION, "dc:description"}};
  for (size_t i = 0; i < sizeof opt / sizeof opt[0]; i++) {
    char *v = meta(e, root, opt[i].key);
    if (!v && opt[i].key == BS_META_SOURCE)
      v = meta(e, root, BS_META_URL);
    if (v && opt[i].key == BS_META_DATE && !w3cdtf(v)) {
      char *iso = iso_date(v);
      free(v);
      v = iso;
    }
    if (v)
      text_elem(w, opt[i].name, v);
    free(v);
  }
  /* a volume of a series: EPUB 3's collection, as readers' libraries group them */
  char *coll = meta(e, root, BS_META_COLLECTION);
  if (coll) {
    start(w, "meta");
    attr(w, "property", "belongs-to-collection");
    attr(w, "id", "collection");
    xmlTextWriterWriteString(w, BAD_CAST coll);
    end(w);
    start(w, "meta");
    attr(w, "refines", "#collection");
    attr(w, "property", "collection-type");
    xmlTextWriterWriteString(w, BAD_CAST "series");
    end(w);
    char *pos = meta(e, root, BS_META_POSITION);
    if (pos) {
      start(w, "meta");
      attr(w, "refines", "#collection");
      attr(w, "property", "group-position");
      xmlTextWriterWriteString(w, BAD_CAST pos);
      end(w);
    }
    free(pos);
  }
  free(coll);
  if (e->cover_entry != BS_EPUB_NO_ENTRY) {
    start(w, "meta");
    attr(w, "name", "cover");
    attr(w, "content", e->entries[e->cover_entry].id);
    end(w);
  }
  if (e->book_vertical) {
    start(w, "meta");
    attr(w, "name", "primary-writing-mode");
    attr(w, "content", "vertical-rl");
    end(w);
  }
  a11y_meta(e, w);
  end(w);

  start(w, "manifest");
  struct {
    const char *id, *href, *type, *props;
  } fixed[] = {{"nav", "nav.xhtml", "application/xhtml+xml", "nav"},
               {"ncx", "toc.ncx", "application/x-dtbncx+xml", NULL}};
  for (size_t i = 0; i < 2; i++) {
    start(w, "item");
    attr(w, "id", fixed[i].id);
    attr(w, "href", fixed[i].href);
    attr(w, "media-type", fixed[i].type);
    if (fixed[i].props)
      attr(w, "properties", fixed[i].props);
    end(w);
  }
  for (size_t i = 0; i < e->nentries; i++) {
    const bs_epub_entry *x = &e->entries[i];
    start(w, "item");
    attr(w, "id", x->id);
    attr(w, "href", x->href);
    attr(w, "media-type", x->media_type);
    if (x->properties)
      attr(w, "properties", x->properties);
    end(w);
  }
  end(w);
  start(w, "spine");
  attr(w, "toc", "ncx");
  /* vertical books and books in a right-to-left language turn their pages to the left */
  if (e->book_vertical || bs_lang_rtl(e->book_lang))
    attr(w, "page-progression-direction", "rtl");
  bool nav_done = !e->nav_in_spine;
  for (size_t i = 0; i < e->nentries; i++)
    if (e->entries[i].spine) {
      /* a book's contents page, for reading systems that show no nav of their own: after
       * the cover and title page, before the first chapter */
      if (!nav_done && e->first_chapter && !strcmp(e->entries[i].href, e->first_chapter)) {
        start(w, "itemref");
        attr(w, "idref", "nav");
        end(w);
        nav_done = true;
      }
      start(w, "itemref");
      attr(w, "idref", e->entries[i].id);
      end(w);
    }
  end(w);
  end(w);
  bs_epub_writer_end(w, &e->page);
}

static void container_doc(bs_buf *out)
{
  xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
  xmlNodePtr c = xmlNewDocNode(doc, NULL, BAD_CAST "container", NULL);
  xmlDocSetRootElement(doc, c);
  xmlSetNs(c, xmlNewNs(c, CONTAINER_NS, NULL));
  xmlNewProp(c, BAD_CAST "version", BAD_CAST "1.0");
  xmlNodePtr rf = xmlNewChild(xmlNewChild(c, NULL, BAD_CAST "rootfiles", NULL), NULL,
                              BAD_CAST "rootfile", NULL);
  xmlNewProp(rf, BAD_CAST "full-path", BAD_CAST "EPUB/content.opf");
  xmlNewProp(rf, BAD_CAST "media-type", BAD_CAST "application/oebps-package+xml");
  bs_epub_xml_dump(doc, 1, out);
  xmlFreeDoc(doc);
}

static bs_status load_css(bs_epub *e, const char *name, const char *builtin, bs_error *err)
{
  char *data;
  size_t len;
  if (e->opts->templates_dir) {
    bs_buf p = BS_BUF_INIT;
    bs_buf_printf(&p, "%s/%s", e->opts->templates_dir, name);
    bs_status st = bs_read_all(p.data, &data, &len, err);
    bs_buf_free(&p);
    if (st != BS_OK)
      return st;
  } else {
    len = strlen(builtin);
    data = bs_xstrndup(builtin, len);
  }
  bs_buf href = BS_BUF_INIT;
  bs_buf_printf(&href, "css/%s", name);
  char id[32];
  snprintf(id, sizeof id, "css-%.*s", (int)(strchr(name, '.') - name), name);
  bs_epub_add_entry(e, href.data, id, "text/css", data, len, false, true);
  free(data);
  bs_buf_free(&href);
  return BS_OK;
}

/* ---- the parts made when the container asks for them ---- */

/* The i-th chapter from the source; NULL (and BS_OK) when the source leaves it out. */
static bs_status chapter_get(bs_epub *e, size_t i, const bs_node **doc, bs_error *err)
{
  *doc = NULL;
  return e->src->get(e->src->user, i, doc, err);
}

static void chapter_put(bs_epub *e, size_t i, const bs_node *doc)
{
  if (doc && e->src->put)
    e->src->put(e->src->user, i, doc);
}

static bs_status make_chapter(bs_epub *e, bs_epub_part *p, bs_error *err)
{
  const bs_node *doc;
  bs_status st = chapter_get(e, p->index, &doc, err);
  if (st == BS_OK && !doc) /* it was there when the book was planned */
    st = bs_error_set(err, BS_ERR_ARGUMENT, bs_node_get_input(e->root), 0, 0,
                      "chapter %zu of the book went missing while it was written", p->index + 1);
  if (st == BS_OK)
    st = bs_epub_chapter(e, doc, p->number, err);
  chapter_put(e, p->index, doc);
  if (st != BS_OK)
    return st;
  p->bytes = e->page.data;
  p->len = e->page.len;
  e->prog.done++;
  if (e->opts->progress && !e->note_fonts)
    e->opts->progress(e->opts->progress_user, &e->prog);
  return BS_OK;
}

static bs_status make_titlepage(bs_epub *e, bs_epub_part *p, bs_error *err)
{
  bs_epub_book_titlepage(e, p->arg);
  p->bytes = e->page.data;
  p->len = e->page.len;
  return BS_OK;
}

static bs_status make_cover(bs_epub *e, bs_epub_part *p, bs_error *err)
{
  bs_epub_cover_page(e);
  p->bytes = e->page.data;
  p->len = e->page.len;
  return BS_OK;
}

static bs_status make_nav(bs_epub *e, bs_epub_part *p, bs_error *err)
{
  if (!e->title)
    e->title = bs_xstrdup(e->ntoc ? e->toc[0].label : "Untitled");
  bs_epub_nav(e, e->title);
  p->bytes = e->page.data;
  p->len = e->page.len;
  return BS_OK;
}

/* The identifier: the user's, else one from the content (every manifest file is written by
 * now: the NCX and the package document come last). */
static void book_id(bs_epub *e)
{
  if (e->uid[0])
    return;
  char *user_id = meta(e, e->root, BS_META_IDENTIFIER);
  if (user_id)
    snprintf(e->uid, sizeof e->uid, "%s", user_id);
  else
    content_uuid(e, e->uid, sizeof e->uid);
  free(user_id);
}

static bs_status make_ncx(bs_epub *e, bs_epub_part *p, bs_error *err)
{
  book_id(e);
  ncx_doc(e, e->uid, e->title);
  p->bytes = e->page.data;
  p->len = e->page.len;
  return BS_OK;
}

static bs_status make_opf(bs_epub *e, bs_epub_part *p, bs_error *err)
{
  book_id(e);
  package_doc(e, e->uid, e->title, (time_t)e->modified);
  p->bytes = e->page.data;
  p->len = e->page.len;
  return BS_OK;
}

/* Notes a chapter's figures (the chapter is not kept until its images are planned). */
static void note_figures(bs_epub *e, const bs_node *doc)
{
  bs_iter *it = bs_iter_new((bs_node *)doc); /* read only */
  bs_event ev;
  while ((ev = bs_iter_next(it)) != BS_EVENT_DONE) {
    bs_node *n = bs_iter_get_node(it);
    if (ev != BS_EVENT_ENTER || bs_node_get_type(n) != BS_NODE_FIGURE)
      continue;
    const char *src = bs_node_get_src(n);
    if (!src || !*src)
      continue;
    if (e->nfigs == e->cfigs) {
      e->cfigs = e->cfigs ? e->cfigs * 2 : 16;
      e->figs = bs_xrealloc(e->figs, e->cfigs * sizeof *e->figs);
    }
    const char *input = bs_node_get_input(n), *cap = bs_node_get_caption(n);
    bs_epub_figref *f = &e->figs[e->nfigs++];
    f->src = bs_xstrdup(src);
    f->input = input ? bs_xstrdup(input) : NULL;
    f->line = bs_node_get_pos(n).line;
    f->captioned = cap && *cap;
  }
  bs_iter_free(it);
}

/* The figures' images, resolved and checked before anything is written: a bad one stops the
 * book here (or is a warning under keep_going, given once), and the chapters find the rest
 * by bs_epub_image_find. */
static bs_status plan_images(bs_epub *e, bs_error *err)
{
  for (size_t i = 0; i < e->nfigs; i++) {
    const bs_epub_figref *f = &e->figs[i];
    size_t entry;
    bs_error ierr;
    bs_error_clear(&ierr);
    bs_status st = bs_epub_image(e, f->src, f->input, f->line, false, &entry, &ierr);
    /* its alt is the caption (the readers' choice of caption or the source's alt) */
    if (st == BS_OK && entry != BS_EPUB_NO_ENTRY && !f->captioned)
      bs_epub_warn(e, BS_OK, f->input, f->line,
                   "image '%s' has no caption or alt text: a reader who cannot see it is told "
                   "nothing of it", f->src);
    if (st == BS_OK)
      continue;
    if (!e->opts->keep_going) {
      if (err)
        *err = ierr;
      return st;
    }
    bs_epub_warn(e, ierr.code, ierr.path, ierr.line, "%s", ierr.message);
  }
  return BS_OK;
}

/* --embed-fonts: the subsets need every character of the book before the container is
 * written, so the pages are made once here to note them (and dropped); the container's pass
 * makes them again, quietly, as their warnings were given here. */
static bs_status plan_fonts(bs_epub *e, bs_error *err)
{
  e->note_fonts = true;
  for (size_t i = 0; i < e->nparts; i++) {
    bs_epub_part *p = e->parts[i];
    if (!p->make || p->make == bs_epub_make_image)
      continue;
    bs_status st = p->make(e, p, err);
    if (st != BS_OK)
      return st;
  }
  if (!e->title)
    e->title = bs_xstrdup(e->ntoc ? e->toc[0].label : "Untitled");
  bs_epub_nav(e, e->title);
  bs_buf_clear(&e->page);
  for (size_t i = 0; i < e->ntoc; i++) {
    free(e->toc[i].label);
    free(e->toc[i].href);
  }
  e->ntoc = 0;
  e->prog.done = 0;
  e->in_part = false;
  e->nparts_seen = 0;
  e->nfigures = e->nfigures_alt = 0; /* counted again as the container's pass makes them */
  e->note_fonts = false;
  bs_epub_fonts_pack(e);
  e->quiet = true;
  return BS_OK;
}

/* A book tree's chapters, or a document as the one chapter, given as a chapter source. */
typedef struct tree_source {
  const bs_node *root;
  const bs_node *next;  /* the child asked for next, as chapters are asked for in order */
  size_t next_i;
} tree_source;

static bs_status tree_get(void *user, size_t i, const bs_node **doc, bs_error *err)
{
  (void)err;
  tree_source *t = user;
  if (bs_node_get_type(t->root) != BS_NODE_BOOK) {
    *doc = t->root;
    return BS_OK;
  }
  if (i < t->next_i || !t->next) { /* from the start again (a second pass) */
    t->next = bs_node_first_child(t->root);
    t->next_i = 0;
  }
  while (t->next && t->next_i < i) {
    t->next = bs_node_next(t->next);
    t->next_i++;
  }
  *doc = t->next && bs_node_get_type(t->next) == BS_NODE_DOCUMENT ? t->next : NULL;
  return BS_OK;
}

static bs_status write_epub(const bs_node *root, const bs_chapter_source *src,
                            const bs_epub_options *opts, const char *path, bs_error *err);

bs_status bs_epub_write(const bs_node *root, const bs_epub_options *opts, const char *path,
                        bs_error *err)
{
  if (!root || !path ||
      (bs_node_get_type(root) != BS_NODE_BOOK && bs_node_get_type(root) != BS_NODE_DOCUMENT))
    return bs_error_set(err, BS_ERR_ARGUMENT, path, 0, 0,
                        "bs_epub_write needs a book or a document and a path");
  tree_source t = {root, NULL, 0};
  bs_chapter_source src = {bs_node_get_type(root) == BS_NODE_BOOK ? bs_node_child_count(root)
                                                                  : 1,
                           tree_get, NULL, &t};
  return write_epub(root, &src, opts, path, err);
}

bs_status bs_epub_write_chapters(const bs_node *book, const bs_chapter_source *src,
                                 const bs_epub_options *opts, const char *path, bs_error *err)
{
  if (!book || !src || !src->get || !path || bs_node_get_type(book) != BS_NODE_BOOK)
    return bs_error_set(err, BS_ERR_ARGUMENT, path, 0, 0,
                        "bs_epub_write_chapters needs a book, a chapter source and a path");
  return write_epub(book, src, opts, path, err);
}

/* Plans each chapter in turn (its direction, figures, authors, the book's title, language and
 * direction from the first), each given back before the next is asked for. */
static bs_status plan_chapters(bs_epub *e, bool book, const char *path, char **lang_copy,
                              bs_error *err)
{
  const bs_node *root = e->root;
  bool first = true, collect = book && !own_creators(e);
  e->present = bs_xcalloc(e->src->count + 1, sizeof *e->present);
  for (size_t i = 0; i < e->src->count; i++) {
    const bs_node *d;
    bs_status st = chapter_get(e, i, &d, err);
    if (st != BS_OK)
      return st;
    if (!d)
      continue;
    if (first) {
      /* the book's language and direction, else its first chapter's */
      first = false;
      const char *lang = bs_node_get_inherited_lang(root);
      if (!lang || !*lang)
        lang = bs_node_get_inherited_lang(d);
      if (lang && *lang && !bs_epub_lang_ok(lang)) {
        bs_epub_warn(e, BS_ERR_SYNTAX, bs_node_get_input(root), 0,
                     "language '%s' is not a BCP 47 tag; the EPUB says 'und'", lang);
        lang = NULL;
      }
      *lang_copy = bs_xstrdup(lang && *lang ? lang : "und");
      e->book_lang = *lang_copy;
      if (e->forced != BS_DIR_DEFAULT) {
        e->book_vertical = e->forced == BS_DIR_VERTICAL;
      } else {
        bs_direction dir = bs_node_get_inherited_direction(root);
        if (dir == BS_DIR_DEFAULT)
          dir = bs_node_get_inherited_direction(d);
        e->book_vertical = dir == BS_DIR_VERTICAL;
      }
      /* a book's title page and nav are set in its direction, whatever its chapters' (a
       * volume of a vertical book may hold only horizontal chapters) */
      if (book) {
        e->use_vertical_css = e->book_vertical;
        e->use_horizontal_css = !e->book_vertical;
      }
      e->title = meta(e, root, BS_META_TITLE);
      if (!e->title && book)
        e->title = meta(e, d, BS_META_TITLE);
    }
    e->present[i] = true;
    bool v = bs_epub_node_vertical(e, d);
    if (v)
      e->use_vertical_css = true;
    else
      e->use_horizontal_css = true;
    if (book && v != e->book_vertical && bs_node_first_child(d)) {
      const char *t = bs_node_get_meta(d, BS_META_TITLE);
      bs_epub_warn(e, BS_NOTE, bs_node_get_input(d), 0, /* information, not a problem */
                   "chapter '%s' is set %s in this %s book", t ? t : "",
                   v ? "vertically" : "horizontally", v ? "horizontal" : "vertical");
    }
    note_figures(e, d);
    if (collect)
      add_creators(e, d);
    chapter_put(e, i, d);
  }
  if (first)
    return bs_error_set(err, BS_ERR_ARGUMENT, path, 0, 0, "the book has no chapters");
  return BS_OK;
}

static bs_status write_epub(const bs_node *root, const bs_chapter_source *src,
                            const bs_epub_options *opts, const char *path, bs_error *err)
{
  bs_epub_options defaults;
  if (!opts) {
    bs_epub_options_init(&defaults);
    opts = &defaults;
  }
  bool book = bs_node_get_type(root) == BS_NODE_BOOK;
  if (book && !src->count)
    return bs_error_set(err, BS_ERR_ARGUMENT, path, 0, 0, "the book has no chapters");

  bs_status st = BS_OK;
  bs_epub e = {0};
  char *lang_copy = NULL;
  bs_atomic_file *af = NULL;
  e.opts = opts;
  e.root = root;
  e.src = src;
  e.cover_entry = BS_EPUB_NO_ENTRY;
  e.forced = opts->direction;
  if ((st = plan_chapters(&e, book, path, &lang_copy, err)) != BS_OK)
    goto done;

  /* everything is planned, then made in this order as libzip writes it: mimetype first and
   * stored (OCF), the container document, the stylesheets, cover, title page, chapters and
   * their images, the fonts, then nav, NCX and package document, which need the chapters */
  time_t now = opts->source_date >= 0 ? (time_t)opts->source_date : time(NULL);
  e.modified = (long long)now;
  bs_libxml_init();
  static const char mimetype[] = "application/epub+zip";
  bs_epub_part_add_bytes(&e, "mimetype", false, mimetype, sizeof mimetype - 1);
  container_doc(&e.page);
  bs_epub_part_add_bytes(&e, "META-INF/container.xml", true, e.page.data, e.page.len);
  if (opts->embed_fonts) {
    /* Apple Books shows embedded fonts only when the book asks for them */
    static const char apple[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<display_options>\n"
        "  <platform name=\"*\">\n"
        "    <option name=\"specified-fonts\">true</option>\n"
        "  </platform>\n"
        "</display_options>\n";
    bs_epub_part_add_bytes(&e, "META-INF/com.apple.ibooks.display-options.xml", true, apple,
                           sizeof apple - 1);
  }

  /* stylesheets: ours, then the user's */
  if ((st = load_css(&e, "base.css", bs_epub_css_base, err)) != BS_OK)
    goto done;
  if (e.use_horizontal_css &&
      (st = load_css(&e, "horizontal.css", bs_epub_css_horizontal, err)) != BS_OK)
    goto done;
  if (e.use_vertical_css &&
      (st = load_css(&e, "vertical.css", bs_epub_css_vertical, err)) != BS_OK)
    goto done;
  if (opts->css_path) {
    char *data;
    size_t len;
    if ((st = bs_read_all(opts->css_path, &data, &len, err)) != BS_OK)
      goto done;
    bs_epub_add_entry(&e, "css/user.css", "css-user", "text/css", data, len, false, true);
    free(data);
    e.use_user_css = true;
  }
  e.use_fonts_css = opts->embed_fonts;

  /* cover: --cover (a path of the user's) or the metadata's (inside the input folder) */
  const char *cover = opts->cover_path;
  bool cover_cli = cover != NULL;
  if (!cover)
    cover = bs_node_get_meta(root, BS_META_COVER);
  if (cover && *cover) {
    size_t entry;
    bs_error ierr;
    bs_error_clear(&ierr);
    e.cover_pending = true;
    st = bs_epub_image(&e, cover, bs_node_get_input(root), 0, cover_cli, &entry, &ierr);
    e.cover_pending = false;
    if (st != BS_OK) {
      if (!opts->keep_going) {
        if (err)
          *err = ierr;
        goto done;
      }
      bs_epub_warn(&e, ierr.code, ierr.path, ierr.line, "%s", ierr.message);
      st = BS_OK;
    } else {
      e.cover_entry = entry;
      free(e.entries[entry].id);
      e.entries[entry].id = bs_xstrdup("cover-image");
      e.entries[entry].properties = bs_xstrdup("cover-image");
      size_t ci = bs_epub_add_made(&e, "text/cover.xhtml", "cover", "application/xhtml+xml",
                                   true, true, make_cover, NULL, 0);
      e.parts[e.entries[ci].part]->ahead = true; /* it uses e->page, as the chapters do */
    }
  }

  if (book) {
    size_t ti = bs_epub_add_made(&e, "text/titlepage.xhtml", "titlepage",
                                 "application/xhtml+xml", true, true, make_titlepage, root, 0);
    e.parts[e.entries[ti].part]->ahead = true;
  }
  /* the chapters the source gave when planned (one left out is left out of the numbering) */
  int number = 0;
  for (size_t i = 0; i < src->count; i++) {
    if (!e.present[i])
      continue;
    char href[32], cid[16];
    snprintf(href, sizeof href, "text/c%04d.xhtml", ++number);
    snprintf(cid, sizeof cid, "c%04d", number);
    size_t ci = bs_epub_add_made(&e, href, cid, "application/xhtml+xml", true, true,
                                 make_chapter, NULL, number);
    bs_epub_part *cp = e.parts[e.entries[ci].part];
    cp->ahead = true;
    cp->index = i;
    if (!e.first_chapter)
      e.first_chapter = bs_xstrdup(href);
  }
  e.prog.total = number;
  e.nav_in_spine = book;
  /* the images the chapters show, planned after them (their warnings given here, once) */
  if ((st = plan_images(&e, err)) != BS_OK)
    goto done;
  if (opts->embed_fonts && (st = plan_fonts(&e, err)) != BS_OK)
    goto done;
  bs_epub_part_add(&e, "EPUB/nav.xhtml", true, make_nav, NULL, 0);
  bs_epub_part_add(&e, "EPUB/toc.ncx", true, make_ncx, NULL, 0);
  bs_epub_part_add(&e, "EPUB/content.opf", true, make_opf, NULL, 0);

  if (opts->progress)
    opts->progress(opts->progress_user, &e.prog);
  /* libzip writes into the atomic temporary file (container.c): `-o -` is copied to standard
   * output from there */
  if ((st = bs_atomic_open(path, &af, err)) != BS_OK)
    goto done;
  if ((st = bs_epub_container_open(&e, bs_atomic_stream(af), path, e.modified, err)) != BS_OK)
    goto done;
  if ((st = bs_epub_container_close(&e, path, err)) != BS_OK)
    goto done;
  st = bs_atomic_commit(af, err);
  af = NULL;
done:
  bs_epub_container_free(&e);
  bs_atomic_abort(af);
  free_epub(&e);
  free(lang_copy);
  return st;
}

/* EPUB 3 writer: gathers the chapters (xhtml.c), images (image.c) and stylesheets, writes the
 * package document, nav and NCX, and packs them with libzip in a fixed order with fixed
 * times, so the same input gives the same bytes. */
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
  if (!e->opts->diag)
    return;
  bs_error w;
  bs_error_clear(&w);
  w.code = code;
  if (path)
    snprintf(w.path, sizeof w.path, "%s", path);
  w.line = line;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(w.message, sizeof w.message, fmt, ap);
  va_end(ap);
  e->opts->diag(e->opts->diag_user, &w);
}

const char *bs_epub_lang_of(const bs_epub *e, const bs_node *node)
{
  const char *l = bs_node_get_inherited_lang(node);
  return l && *l && bs_epub_lang_ok(l) ? l : e->book_lang;
}

bool bs_epub_node_vertical(const bs_epub *e, const bs_node *doc)
{
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
                        bool spine, bool compress, bs_buf *name)
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
  x->compress = compress;
  x->zip_index = e->zip_added++;
  bs_buf_printf(name, "EPUB/%s", href);
  return e->nentries++;
}

size_t bs_epub_add_entry(bs_epub *e, const char *href, const char *id, const char *media_type,
                         const char *data, size_t len, bool spine, bool compress)
{
  bs_buf name = BS_BUF_INIT;
  size_t i = new_entry(e, href, id, media_type, spine, compress, &name);
  if (data == e->page.data && data)
    bs_epub_zip_add_buf(e->zip, name.data, &e->page, compress); /* a page: no copy */
  else
    bs_epub_zip_add(e->zip, name.data, data, len, compress);
  bs_buf_free(&name);
  return i;
}

size_t bs_epub_add_page(bs_epub *e, const char *href, const char *id, void *doc,
                        bs_epub_release_fn release, bool spine)
{
  bs_buf name = BS_BUF_INIT;
  size_t i = new_entry(e, href, id, "application/xhtml+xml", spine, true, &name);
  bs_epub_zip_add_page(e->zip, name.data, &e->page, doc, release);
  bs_buf_free(&name);
  return i;
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

/* libxml2 wants its initialisation done once, before threads use it (the page helper thread,
 * and bisheng build writing outputs in parallel). */
static pthread_once_t xml_once = PTHREAD_ONCE_INIT;
static void init_xml(void) { xmlInitParser(); }

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
  for (size_t i = 0; i < e->nimages; i++)
    free(e->images[i].real);
  free(e->images);
  free(e->first_chapter);
  bs_epub_fonts_free(e);
  bs_epub_zip_free(e->zip);
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
 * name, size and CRC-32 (computed for the container anyway, so the content is not read
 * twice). */
static void content_uuid(bs_epub *e, char out[64])
{
  uint64_t h[2] = {0xcbf29ce484222325ull, 0x84222325cbf29ce4ull};
  for (size_t i = 0; i < e->nentries; i++) {
    const bs_epub_entry *x = &e->entries[i];
    unsigned char rec[12];
    size_t len;
    uint32_t crc = bs_epub_zip_crc(e->zip, x->zip_index, &len);
    uint64_t l = len;
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
  snprintf(out, 64,
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

  /* creators: the book's, else each chapter's in order without repeats */
  int ncreator = 0;
  char **seen = NULL;
  size_t nseen = 0, cseen = 0;
  bool book = bs_node_get_type(root) == BS_NODE_BOOK;
  bool own = bs_node_get_meta_count(root, BS_META_AUTHORS) > 0 || !book;
  for (const bs_node *n = own ? root : bs_node_first_child(root); n;
       n = own ? NULL : bs_node_next(n)) {
    for (size_t i = 0; i < bs_node_get_meta_count(n, BS_META_AUTHORS); i++) {
      const char *a = bs_node_get_meta_item(n, BS_META_AUTHORS, i);
      char *c = bs_epub_clean(e, a, strlen(a), n);
      bool dup = !*c;
      for (size_t k = 0; k < nseen && !dup; k++)
        dup = !strcmp(seen[k], c);
      if (dup) {
        free(c);
        continue;
      }
      char cid[32];
      snprintf(cid, sizeof cid, "creator%d", ++ncreator);
      start(w, "dc:creator");
      attr(w, "id", cid);
      xmlTextWriterWriteString(w, BAD_CAST c);
      end(w);
      if (nseen == cseen) {
        cseen = cseen ? cseen * 2 : 16;
        seen = bs_xrealloc(seen, cseen * sizeof *seen);
      }
      seen[nseen++] = c;
    }
  }
  for (size_t k = 0; k < nseen; k++)
    free(seen[k]);
  free(seen);
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
  if (e->book_vertical)
    attr(w, "page-progression-direction", "rtl");
  for (size_t i = 0; i < e->nentries; i++)
    if (e->entries[i].spine) {
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

bs_status bs_epub_write(const bs_node *root, const bs_epub_options *opts, const char *path,
                        bs_error *err)
{
  bs_epub_options defaults;
  if (!opts) {
    bs_epub_options_init(&defaults);
    opts = &defaults;
  }
  if (!root || !path ||
      (bs_node_get_type(root) != BS_NODE_BOOK && bs_node_get_type(root) != BS_NODE_DOCUMENT))
    return bs_error_set(err, BS_ERR_ARGUMENT, path, 0, 0,
                        "bs_epub_write needs a book or a document and a path");
  bool book = bs_node_get_type(root) == BS_NODE_BOOK;
  if (book && !bs_node_first_child(root))
    return bs_error_set(err, BS_ERR_ARGUMENT, path, 0, 0, "the book has no chapters");

  bs_status st = BS_OK;
  bs_epub e = {0};
  char *title = NULL;
  char *lang_copy = NULL;
  bs_atomic_file *af = NULL;
  e.opts = opts;
  e.root = root;
  e.cover_entry = BS_EPUB_NO_ENTRY;
  e.forced = opts->direction;
  const bs_node *first = book ? bs_node_first_child(root) : root;

  /* the book's language and direction, else its first chapter's */
  const char *lang = bs_node_get_inherited_lang(root);
  if (!lang || !*lang)
    lang = bs_node_get_inherited_lang(first);
  if (lang && *lang && !bs_epub_lang_ok(lang)) {
    bs_epub_warn(&e, BS_ERR_SYNTAX, bs_node_get_input(root), 0,
                 "language '%s' is not a BCP 47 tag; the EPUB says 'und'", lang);
    lang = NULL;
  }
  lang_copy = bs_xstrdup(lang && *lang ? lang : "und");
  e.book_lang = lang_copy;
  if (e.forced != BS_DIR_DEFAULT) {
    e.book_vertical = e.forced == BS_DIR_VERTICAL;
  } else {
    bs_direction d = bs_node_get_inherited_direction(root);
    if (d == BS_DIR_DEFAULT)
      d = bs_node_get_inherited_direction(first);
    e.book_vertical = d == BS_DIR_VERTICAL;
  }
  for (const bs_node *d = first; d; d = book ? bs_node_next(d) : NULL) {
    if (bs_epub_node_vertical(&e, d))
      e.use_vertical_css = true;
    else
      e.use_horizontal_css = true;
  }

  /* the container is written as the files come: mimetype first and stored (OCF), then the
   * container document, which names the package document written last */
  time_t now = opts->source_date >= 0 ? (time_t)opts->source_date : time(NULL);
  if ((st = bs_atomic_open(path, &af, err)) != BS_OK)
    goto done;
  /* a helper thread pays for itself from a few chapters on (not with -j 1: one core) */
  pthread_once(&xml_once, init_xml);
  e.zip = bs_epub_zip_new(bs_atomic_stream(af), (long long)now, book && opts->jobs != 1);
  static const char mimetype[] = "application/epub+zip";
  bs_epub_zip_add(e.zip, "mimetype", mimetype, sizeof mimetype - 1, false);
  container_doc(&e.page);
  bs_epub_zip_add_buf(e.zip, "META-INF/container.xml", &e.page, true);
  e.zip_added = 2;

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
    st = bs_epub_image(&e, cover, bs_node_get_input(root), 0, cover_cli, &entry, &ierr);
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
      bs_epub_cover_page(&e);
    }
  }

  title = meta(&e, root, BS_META_TITLE);
  if (!title && book)
    title = meta(&e, first, BS_META_TITLE);
  if (book)
    bs_epub_book_titlepage(&e, root);
  int number = 0;
  bs_progress prog = {0, 0, 0, 0};
  for (const bs_node *d = first; d; d = book ? bs_node_next(d) : NULL)
    if (bs_node_get_type(d) == BS_NODE_DOCUMENT)
      prog.total++;
  if (opts->progress)
    opts->progress(opts->progress_user, &prog);
  for (const bs_node *d = first; d; d = book ? bs_node_next(d) : NULL) {
    if (bs_node_get_type(d) != BS_NODE_DOCUMENT)
      continue;
    if ((st = bs_epub_chapter(&e, d, ++number, err)) != BS_OK)
      goto done;
    prog.done++;
    if (opts->progress)
      opts->progress(opts->progress_user, &prog);
  }
  if (!title)
    title = bs_xstrdup(e.ntoc ? e.toc[0].label : "Untitled");

  char id[BS_ERROR_MESSAGE_MAX];
  char *user_id = meta(&e, root, BS_META_IDENTIFIER);
  if (user_id)
    snprintf(id, sizeof id, "%s", user_id);
  else
    content_uuid(&e, id);
  free(user_id);
  if (opts->embed_fonts) {
    /* the nav's labels count too; it is written again below with the same text */
    bs_epub_nav(&e, title);
    bs_epub_fonts_pack(&e);
  }
  bs_epub_nav(&e, title);
  bs_epub_zip_add_buf(e.zip, "EPUB/nav.xhtml", &e.page, true);
  ncx_doc(&e, id, title);
  bs_epub_zip_add_buf(e.zip, "EPUB/toc.ncx", &e.page, true);
  package_doc(&e, id, title, now);
  bs_epub_zip_add_buf(e.zip, "EPUB/content.opf", &e.page, true);
  if (!bs_epub_zip_finish(e.zip)) {
    st = bs_error_set(err, BS_ERR_IO, path, 0, 0, "write error (or an EPUB over 4 GB)");
    goto done;
  }
  st = bs_atomic_commit(af, err);
  af = NULL;
done:
  /* the helper thread stops before its file goes */
  bs_epub_zip_free(e.zip);
  e.zip = NULL;
  bs_atomic_abort(af);
  free(title);
  free_epub(&e);
  free(lang_copy);
  return st;
}

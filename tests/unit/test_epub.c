/* The EPUB writer: text passes (forbidden characters, V3 quotes, L1 runs, image sniffing),
 * the XHTML it writes for every node type, vertical books, reproducibility and bad images.
 *
 * Run with `--fixtures DIR` it writes EPUBs with what the corpus does not hold (every node
 * type, a mixed-direction book, embedded fonts) for tests/t-epub-epubcheck.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>
#include <hb.h>

#include "bisheng/epub.h"
#include "bisheng/node.h"
#include "epub/epub-impl.h"

/* ---- tree helpers ---- */

static bs_node *text(const char *s) { return bs_node_new_text(BS_NODE_TEXT, s, strlen(s)); }

static bs_node *add(bs_node *parent, bs_node *child)
{
  assert_true(bs_node_append_child(parent, child));
  return child;
}

static bs_node *para(bs_node *parent, const char *s)
{
  bs_node *p = add(parent, bs_node_new(BS_NODE_PARAGRAPH));
  add(p, text(s));
  return p;
}

static bs_node *wrap(bs_node *parent, bs_node_type t, const char *s)
{
  bs_node *n = add(parent, bs_node_new(t));
  add(n, text(s));
  return n;
}

/* An article with every node type, in zh-Hant. */
static bs_node *rich_article(const char *input)
{
  bs_node *d = bs_node_new(BS_NODE_DOCUMENT);
  bs_node_set_input(d, input);
  bs_node_set_meta(d, BS_META_TITLE, "“測試”文章 12 號");
  bs_node_set_meta(d, BS_META_SUBTITLE, "副標題");
  bs_node_add_meta_item(d, BS_META_AUTHORS, "王小明");
  bs_node_add_meta_item(d, BS_META_AUTHORS, "李大華");
  bs_node_set_meta(d, BS_META_AFFILIATION, "華語研究所");
  bs_node_set_meta(d, BS_META_SOURCE, "風聞");
  bs_node_set_meta(d, BS_META_DATE, "2025-08-15");
  bs_node_set_meta(d, BS_META_LANG, "zh-Hant");
  bs_node *h = add(d, bs_node_new(BS_NODE_HEADING));
  add(h, text("一、概說"));
  bs_node *p = para(d, "2025年8月15日，他說：“天下‘為’公”，GDP增加12%。A股與iPhone。");
  bs_node_set_pos(p, 3, 1, 0);
  bs_node *s = add(p, bs_node_new(BS_NODE_STRONG));
  add(s, text("重要"));
  wrap(p, BS_NODE_EMPHASIS, "強調");
  wrap(p, BS_NODE_STRIKETHROUGH, "刪除");
  wrap(p, BS_NODE_EMPHASIS_MARK, "著重");
  add(p, bs_node_new_text(BS_NODE_CODE, "a<b&c", 5));
  add(p, bs_node_new(BS_NODE_LINE_BREAK));
  bs_node *ruby = wrap(p, BS_NODE_RUBY, "漢字");
  bs_node_set_annotation(ruby, "かんじ");
  bs_node *link = wrap(p, BS_NODE_LINK, "連結");
  bs_node_set_href(link, "https://example.com/?a=1&b=2");
  bs_node *bad = wrap(p, BS_NODE_LINK, "本地");
  bs_node_set_href(bad, "local.html");
  bs_node *ref = add(p, bs_node_new(BS_NODE_FOOTNOTE_REF));
  bs_node_set_label(ref, "1");
  bs_node *span = wrap(p, BS_NODE_SPAN, "English words");
  bs_node_set_lang(span, "en");
  wrap(p, BS_NODE_SUPERSCRIPT, "2");
  wrap(p, BS_NODE_SUBSCRIPT, "x");
  add(p, text("控制\x01字元\xEF\xBF\xBE。"));
  bs_node *h2 = add(d, bs_node_new(BS_NODE_HEADING));
  bs_node_set_heading_level(h2, 2);
  add(h2, text("小節"));
  bs_node *bq = add(d, bs_node_new(BS_NODE_BLOCK_QUOTE));
  para(bq, "引文。");
  bs_node *list = add(d, bs_node_new(BS_NODE_LIST));
  bs_node_set_list_ordered(list, true);
  bs_node_set_list_start(list, 3);
  para(add(list, bs_node_new(BS_NODE_ITEM)), "第一項");
  para(add(list, bs_node_new(BS_NODE_ITEM)), "第二項");
  bs_node *code = add(d, bs_node_new(BS_NODE_CODE_BLOCK));
  bs_node_set_literal(code, "int main(void) { return 0; }\n", 29);
  add(d, bs_node_new(BS_NODE_THEMATIC_BREAK));
  bs_node *fig = add(d, bs_node_new(BS_NODE_FIGURE));
  bs_node_set_caption(fig, "無圖之說明");
  bs_node_set_credit(fig, "© 某社");
  bs_node *table = add(d, bs_node_new(BS_NODE_TABLE));
  bs_node *row = add(table, bs_node_new(BS_NODE_TABLE_ROW));
  bs_node *c1 = wrap(row, BS_NODE_TABLE_CELL, "年");
  bs_node_set_cell_header(c1, true);
  bs_node *c2 = wrap(row, BS_NODE_TABLE_CELL, "數");
  bs_node_set_cell_align(c2, BS_ALIGN_RIGHT);
  add(d, bs_node_new(BS_NODE_PAGE_BREAK));
  para(d, "　自帶縮排。");
  bs_node *ind = para(d, "低八字。");
  bs_node_set_indent(ind, 8);
  bs_node *fn = add(d, bs_node_new(BS_NODE_FOOTNOTE_DEF));
  bs_node_set_label(fn, "1");
  para(fn, "註釋內容。");
  assert_int_equal(bs_node_check(d, stderr), 0);
  return d;
}

/* ---- reading back ---- */

static char *unzip_entry(const char *path, const char *name, size_t *len)
{
  int e = 0;
  zip_t *z = zip_open(path, ZIP_RDONLY, &e);
  if (!z)
    return NULL;
  zip_stat_t st;
  char *out = NULL;
  if (zip_stat(z, name, 0, &st) == 0) {
    zip_file_t *f = zip_fopen(z, name, 0);
    out = calloc(1, st.size + 1);
    if (f && zip_fread(f, out, st.size) == (zip_int64_t)st.size) {
      if (len)
        *len = st.size;
    } else {
      free(out);
      out = NULL;
    }
    if (f)
      zip_fclose(f);
  }
  zip_close(z);
  return out;
}

static char *read_file(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)n + 1);
  size_t got = fread(b, 1, (size_t)n, f);
  fclose(f);
  b[got] = 0;
  *len = got;
  return b;
}

static int nwarnings;
static char last_warning[1200];
static void count_warning(void *user, const bs_error *w)
{
  (void)user;
  nwarnings++;
  bs_error_format(w, last_warning, sizeof last_warning);
}

static char tmpdir[256];

static void make_tmpdir(void)
{
  if (!*tmpdir) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/bs-epub-test-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
  }
}

static char *tmp(const char *name)
{
  static char buf[4][512];
  static int k;
  make_tmpdir();
  char *b = buf[k++ % 4];
  snprintf(b, 512, "%s/%s", tmpdir, name);
  return b;
}

static bs_status write_epub(bs_node *root, bs_direction dir, long long sde, const char *out,
                            bs_error *err)
{
  bs_epub_options o;
  bs_epub_options_init(&o);
  o.direction = dir;
  o.source_date = sde;
  o.diag = count_warning;
  return bs_epub_write(root, &o, out, err);
}

/* ---- unit tests of the text passes ---- */

static void test_clean(void **state)
{
  (void)state;
  bs_epub_options o;
  bs_epub_options_init(&o);
  o.diag = count_warning;
  bs_epub e = {0};
  e.opts = &o;
  bs_node *d = bs_node_new(BS_NODE_DOCUMENT);
  bs_node_set_input(d, "in.txt");
  bs_node *p = add(d, bs_node_new(BS_NODE_PARAGRAPH));
  bs_node_set_pos(p, 7, 1, 0);
  bs_node *t = add(p, text("x"));
  nwarnings = 0;
  const char in[] = "a\x01" "b\tc\n\x1f" "d\xEF\xBF\xBF" "e\xEF\xBF\xBE" "f\r\x02" "g";
  char *c = bs_epub_clean(&e, in, sizeof in - 1, t);
  assert_string_equal(c, "ab\tc\ndefg");
  free(c);
  assert_int_equal(nwarnings, 2); /* one per kind */
  assert_non_null(strstr(last_warning, "in.txt:7"));
  c = bs_epub_clean(&e, "純文字", strlen("純文字"), t);
  assert_string_equal(c, "純文字");
  free(c);
  assert_int_equal(nwarnings, 2);
  bs_node_free(d);
}

static char *apply_quotes(const char *s)
{
  bs_epub_quotes q = {0};
  bs_epub_quotes_scan(&q, s, strlen(s));
  bs_epub_quotes_finish(&q);
  bs_buf b = BS_BUF_INIT;
  size_t i = 0, n = strlen(s);
  while (i < n) {
    uint32_t cp;
    size_t k = bs_utf8_decode(s + i, n - i, &cp);
    if (bs_epub_is_quote(cp))
      cp = bs_epub_quotes_take(&q, cp);
    bs_buf_put_utf8(&b, cp);
    i += k;
  }
  bs_epub_quotes_free(&q);
  return bs_buf_detach(&b);
}

static void test_quotes(void **state)
{
  (void)state;
  static const char *cases[][2] = {
      {"他說“你好”。", "他說「你好」。"},
      {"“外‘內’外”", "「外『內』外」"},
      {"‘單’", "「單」"},
      {"「已有“內”」", "「已有『內』」"},
      {"don’t “x", "don’t “x"}, /* apostrophe and an unclosed quote stay */
      {"“a” “b”", "「a」 「b」"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *r = apply_quotes(cases[i][0]);
    assert_string_equal(r, cases[i][1]);
    free(r);
  }
}

static void test_runs(void **state)
{
  (void)state;
  assert_int_equal(bs_epub_classify_run("12", 2), BS_EPUB_RUN_TCY);
  assert_int_equal(bs_epub_classify_run("8", 1), BS_EPUB_RUN_TCY);
  assert_int_equal(bs_epub_classify_run("100", 3), BS_EPUB_RUN_TCY);
  assert_int_equal(bs_epub_classify_run("2025", 4), BS_EPUB_RUN_UPRIGHT);
  assert_int_equal(bs_epub_classify_run("GDP", 3), BS_EPUB_RUN_UPRIGHT);
  assert_int_equal(bs_epub_classify_run("A", 1), BS_EPUB_RUN_UPRIGHT);
  assert_int_equal(bs_epub_classify_run("3.0", 3), BS_EPUB_RUN_TCY);
  assert_int_equal(bs_epub_classify_run("A+", 2), BS_EPUB_RUN_TCY);
  assert_int_equal(bs_epub_classify_run("iPhone", 6), BS_EPUB_RUN_NONE);
  assert_int_equal(bs_epub_classify_run("New York", 8), BS_EPUB_RUN_NONE);
  assert_int_equal(bs_epub_classify_run("B-2", 3), BS_EPUB_RUN_NONE);
}

static void test_sniff(void **state)
{
  (void)state;
  const char *ext;
  assert_string_equal(bs_image_sniff((const unsigned char *)"\x89PNG\r\n\x1a\n....", 12, &ext),
                      "image/png");
  assert_string_equal(bs_image_sniff((const unsigned char *)"\xFF\xD8\xFF\xE0", 4, &ext),
                      "image/jpeg");
  assert_string_equal(bs_image_sniff((const unsigned char *)"GIF89a..", 8, &ext), "image/gif");
  assert_string_equal(bs_image_sniff((const unsigned char *)"RIFF....WEBPVP8 ", 16, &ext),
                      "image/webp");
  const char *svg = "<?xml version=\"1.0\"?>\n<!-- c -->\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
  assert_string_equal(bs_image_sniff((const unsigned char *)svg, strlen(svg), &ext),
                      "image/svg+xml");
  assert_null(bs_image_sniff((const unsigned char *)"hello world", 11, &ext));
}

/* ---- whole books ---- */

static void test_rich_horizontal(void **state)
{
  (void)state;
  bs_node *d = rich_article(tmp("rich.txt"));
  bs_error err;
  nwarnings = 0;
  assert_int_equal(write_epub(d, BS_DIR_HORIZONTAL, 1700000000, tmp("h.epub"), &err), BS_OK);
  /* mimetype first, stored */
  int ze = 0;
  zip_t *z = zip_open(tmp("h.epub"), ZIP_RDONLY, &ze);
  assert_non_null(z);
  zip_stat_t st;
  assert_int_equal(zip_stat_index(z, 0, 0, &st), 0);
  assert_string_equal(st.name, "mimetype");
  assert_int_equal(st.comp_method, ZIP_CM_STORE);
  zip_close(z);
  char *x = unzip_entry(tmp("h.epub"), "EPUB/text/c0001.xhtml", NULL);
  assert_non_null(x);
  assert_non_null(strstr(x, "<html xmlns=\"http://www.w3.org/1999/xhtml\" "
                            "xmlns:epub=\"http://www.idpf.org/2007/ops\" lang=\"zh-Hant\" "
                            "xml:lang=\"zh-Hant\">"));
  /* DPUB-ARIA roles beside epub:type (Ace: epub-type-has-matching-role) */
  assert_non_null(strstr(x, "epub:type=\"noteref\" role=\"doc-noteref\" href=\"#fn1\""));
  assert_non_null(strstr(x, "epub:type=\"footnote\" role=\"doc-footnote\" id=\"fn1\""));
  assert_non_null(strstr(x, "epub:type=\"chapter\" role=\"doc-chapter\""));
  assert_non_null(strstr(x, "<a class=\"footnote-label\" href=\"#nr1\">1</a>"));
  assert_non_null(strstr(x, "<ruby>漢字<rp>(</rp><rt>かんじ</rt><rp>)</rp></ruby>"));
  assert_non_null(strstr(x, "<h2 id=\"h1\">一、概說</h2>")); /* bumped under the title */
  assert_non_null(strstr(x, "<h3 id=\"h2\">小節</h3>"));
  assert_non_null(strstr(x, "<strong>重要</strong>"));
  assert_non_null(strstr(x, "<em>強調</em>"));
  assert_non_null(strstr(x, "<del>刪除</del>"));
  assert_non_null(strstr(x, "<span class=\"em-dot\">著重</span>"));
  assert_non_null(strstr(x, "<code>a&lt;b&amp;c</code>"));
  assert_non_null(strstr(x, "href=\"https://example.com/?a=1&amp;b=2\""));
  assert_non_null(strstr(x, "<span class=\"link\">本地</span>"));
  assert_non_null(strstr(x, "<span lang=\"en\" xml:lang=\"en\">English words</span>"));
  assert_non_null(strstr(x, "<sup>2</sup>"));
  assert_non_null(strstr(x, "<sub>x</sub>"));
  assert_non_null(strstr(x, "<br/>"));
  assert_non_null(strstr(x, "<ol start=\"3\">"));
  assert_non_null(strstr(x, "<blockquote>"));
  assert_non_null(strstr(x, "<pre><code>int main"));
  assert_non_null(strstr(x, "<hr/>"));
  assert_non_null(strstr(x, "<div class=\"page-break\"/>"));
  assert_non_null(strstr(x, "<p class=\"caption\">無圖之說明 <span class=\"credit\">© 某社</span></p>"));
  assert_non_null(strstr(x, "<th>年</th>"));
  assert_non_null(strstr(x, "<td class=\"align-right\">數</td>"));
  assert_non_null(strstr(x, "<p style=\"margin-inline-start: 8em\">低八字。</p>"));
  assert_non_null(strstr(x, "<p class=\"indented\">　自帶縮排。</p>"));
  assert_non_null(strstr(x, "控制字元。")); /* forbidden characters gone */
  assert_non_null(strstr(x, "<p class=\"author\">王小明、李大華</p>"));
  assert_non_null(strstr(x, "<p class=\"affiliation\">華語研究所</p>"));
  /* horizontal: quotes as written, no tcy */
  assert_non_null(strstr(x, "“天下‘為’公”"));
  assert_null(strstr(x, "tcy"));
  free(x);
  char *opf = unzip_entry(tmp("h.epub"), "EPUB/content.opf", NULL);
  assert_non_null(opf);
  assert_null(strstr(opf, "page-progression-direction"));
  assert_non_null(strstr(opf, "<dc:identifier id=\"bookid\">urn:uuid:"));
  assert_non_null(strstr(opf, "<dc:creator id=\"creator1\">王小明</dc:creator>"));
  assert_non_null(strstr(opf, "<dc:creator id=\"creator2\">李大華</dc:creator>"));
  assert_non_null(strstr(opf, "<dc:language>zh-Hant</dc:language>"));
  assert_non_null(strstr(opf, "<meta property=\"dcterms:modified\">2023-11-14T22:13:20Z</meta>"));
  assert_non_null(strstr(opf, "<dc:source>風聞</dc:source>"));
  assert_non_null(strstr(opf, "<dc:date>2025-08-15</dc:date>"));
  free(opf);
  char *nav = unzip_entry(tmp("h.epub"), "EPUB/nav.xhtml", NULL);
  assert_non_null(strstr(nav, "<a href=\"text/c0001.xhtml#h1\">一、概說</a>"));
  assert_non_null(strstr(nav, "epub:type=\"landmarks\""));
  free(nav);
  assert_true(nwarnings >= 2); /* forbidden characters, the local link is just dropped */
  bs_node_free(d);
}

static void test_rich_vertical(void **state)
{
  (void)state;
  bs_node *d = rich_article(tmp("rich.txt"));
  bs_error err;
  assert_int_equal(write_epub(d, BS_DIR_VERTICAL, 1700000000, tmp("v.epub"), &err), BS_OK);
  char *x = unzip_entry(tmp("v.epub"), "EPUB/text/c0001.xhtml", NULL);
  assert_non_null(x);
  assert_non_null(strstr(x, "他說：「天下『為』公」"));                   /* V3 */
  assert_non_null(strstr(x, "<h1 class=\"title\" id=\"title\">「測試」文章 <span class=\"tcy\">12</span> 號</h1>"));
  assert_non_null(strstr(x, "<span class=\"upright\">2025</span>年<span class=\"tcy\">8</span>月<span class=\"tcy\">15</span>日"));
  assert_non_null(strstr(x, "<span class=\"upright\">GDP</span>增加<span class=\"tcy\">12</span><span class=\"upright\">%</span>"));
  assert_non_null(strstr(x, "<span class=\"upright\">A</span>股與iPhone"));
  assert_non_null(strstr(x, "English words</span>")); /* English stays sideways */
  assert_non_null(strstr(x, "href=\"../css/vertical.css\""));
  free(x);
  char *opf = unzip_entry(tmp("v.epub"), "EPUB/content.opf", NULL);
  assert_non_null(strstr(opf, "page-progression-direction=\"rtl\""));
  free(opf);
  char *css = unzip_entry(tmp("v.epub"), "EPUB/css/vertical.css", NULL);
  assert_non_null(strstr(css, "writing-mode: vertical-rl"));
  assert_non_null(strstr(css, "-epub-writing-mode: vertical-rl"));
  assert_non_null(strstr(css, "text-combine-upright: all"));
  free(css);
  assert_null(unzip_entry(tmp("v.epub"), "EPUB/css/horizontal.css", NULL));
  bs_node_free(d);
}

static void test_reproducible(void **state)
{
  (void)state;
  bs_node *d = rich_article(tmp("rich.txt"));
  bs_error err;
  assert_int_equal(write_epub(d, BS_DIR_VERTICAL, 1234567890, tmp("r1.epub"), &err), BS_OK);
  sleep(1); /* a clock leaking into the archive would show */
  assert_int_equal(write_epub(d, BS_DIR_VERTICAL, 1234567890, tmp("r2.epub"), &err), BS_OK);
  size_t n1, n2;
  char *a = read_file(tmp("r1.epub"), &n1), *b = read_file(tmp("r2.epub"), &n2);
  assert_int_equal(n1, n2);
  assert_memory_equal(a, b, n1);
  free(a);
  free(b);
  bs_node_free(d);
}

static void test_bad_images(void **state)
{
  (void)state;
  static const char *srcs[] = {"missing.png", "../outside.png", "/etc/hostname",
                               "https://example.com/a.png", "notimage.png", "link.png"};
  make_tmpdir();
  FILE *f = fopen(tmp("notimage.png"), "w");
  fputs("not an image", f);
  fclose(f);
  FILE *g = fopen("/tmp/bs-epub-outside.png", "w");
  fputs("\x89PNG\r\n\x1a\n", g);
  fclose(g);
  unlink(tmp("link.png"));
  assert_int_equal(symlink("/tmp/bs-epub-outside.png", tmp("link.png")), 0);
  for (size_t i = 0; i < sizeof srcs / sizeof srcs[0]; i++) {
    bs_node *d = bs_node_new(BS_NODE_DOCUMENT);
    bs_node_set_input(d, tmp("in.txt"));
    bs_node_set_meta(d, BS_META_TITLE, "T");
    bs_node *fig = add(d, bs_node_new(BS_NODE_FIGURE));
    bs_node_set_src(fig, srcs[i]);
    bs_node_set_caption(fig, "說明");
    bs_node_set_pos(fig, 42, 1, 0);
    bs_error err;
    bs_error_clear(&err);
    unlink(tmp("bad.epub"));
    assert_int_equal(write_epub(d, BS_DIR_DEFAULT, 0, tmp("bad.epub"), &err), BS_ERR_IMAGE);
    assert_int_equal(err.line, 42);
    assert_string_equal(err.path, tmp("in.txt"));
    assert_int_equal(access(tmp("bad.epub"), F_OK), -1);
    /* keep going: a warning and the caption */
    bs_epub_options o;
    bs_epub_options_init(&o);
    o.keep_going = true;
    o.diag = count_warning;
    nwarnings = 0;
    assert_int_equal(bs_epub_write(d, &o, tmp("bad.epub"), &err), BS_OK);
    assert_int_equal(nwarnings, 1);
    char *x = unzip_entry(tmp("bad.epub"), "EPUB/text/c0001.xhtml", NULL);
    assert_non_null(strstr(x, "<p class=\"caption\">說明</p>"));
    free(x);
    bs_node_free(d);
  }
  /* no temporaries left behind */
  DIR *dir = opendir(tmpdir);
  struct dirent *de;
  while ((de = readdir(dir)))
    assert_null(strstr(de->d_name, ".tmp-"));
  closedir(dir);
  unlink("/tmp/bs-epub-outside.png");
}

static void test_good_image_and_cover(void **state)
{
  (void)state;
  make_tmpdir();
  mkdir(tmp("img"), 0755);
  FILE *f = fopen(tmp("img/p.gif"), "wb");
  static const unsigned char gif[] = {0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0x80, 0,
                                      0,    0xff, 0xff, 0xff, 0,    0,    0, 0x21, 0xf9, 4, 1, 0,
                                      0,    0,    0,    0x2c, 0,    0,    0, 0, 1, 0, 1, 0, 0, 2,
                                      2,    0x44, 1,    0,    0x3b};
  fwrite(gif, 1, sizeof gif, f);
  fclose(f);
  bs_node *book = bs_node_new(BS_NODE_BOOK);
  bs_node_set_meta(book, BS_META_TITLE, "書");
  bs_node_set_meta(book, BS_META_LANG, "ja");
  bs_node_set_meta(book, BS_META_COVER, "img/p.gif");
  bs_node_set_input(book, tmp("book.yaml"));
  for (int i = 0; i < 2; i++) {
    bs_node *d = add(book, bs_node_new(BS_NODE_DOCUMENT));
    bs_node_set_input(d, tmp("a.txt"));
    bs_node_set_meta(d, BS_META_TITLE, i ? "二" : "一");
    bs_node *fig = add(d, bs_node_new(BS_NODE_FIGURE));
    bs_node_set_src(fig, "img/../img/p.gif");
    bs_node_set_caption(fig, "図");
  }
  bs_error err;
  nwarnings = 0;
  assert_int_equal(write_epub(book, BS_DIR_DEFAULT, 0, tmp("c.epub"), &err), BS_OK);
  /* the 1x1 cover's size alone: captions are the images' text alternatives */
  assert_int_equal(nwarnings, 1);
  assert_non_null(strstr(last_warning, "cover image"));
  char *opf = unzip_entry(tmp("c.epub"), "EPUB/content.opf", NULL);
  assert_non_null(strstr(opf, "properties=\"cover-image\""));
  assert_non_null(strstr(opf, "media-type=\"image/gif\""));
  assert_null(strstr(opf, "img0002")); /* one image packed once */
  assert_non_null(strstr(opf, "<itemref idref=\"cover\"/>"));
  assert_non_null(strstr(opf, "<itemref idref=\"titlepage\"/>"));
  free(opf);
  char *x = unzip_entry(tmp("c.epub"), "EPUB/text/c0002.xhtml", NULL);
  assert_non_null(strstr(x, "<img src=\"../images/img0001.gif\" alt=\"図\"/>"));
  assert_non_null(strstr(x, "<figcaption>図</figcaption>"));
  free(x);
  char *nav = unzip_entry(tmp("c.epub"), "EPUB/nav.xhtml", NULL);
  assert_non_null(strstr(nav, "<a href=\"text/c0002.xhtml\">二</a>"));
  assert_non_null(strstr(nav, "目次"));
  free(nav);
  bs_node_free(book);

  /* an image with neither caption nor alt text is warned about where it is shown (issue #14,
   * part 3), and its alt stays empty */
  bs_node *d = bs_node_new(BS_NODE_DOCUMENT);
  bs_node_set_input(d, tmp("n.md"));
  bs_node_set_meta(d, BS_META_LANG, "ja");
  bs_node *fig = add(d, bs_node_new(BS_NODE_FIGURE));
  bs_node_set_src(fig, "img/p.gif");
  bs_node_set_pos(fig, 5, 1, 0);
  nwarnings = 0;
  assert_int_equal(write_epub(d, BS_DIR_DEFAULT, 0, tmp("n.epub"), &err), BS_OK);
  assert_int_equal(nwarnings, 1);
  if (!strstr(last_warning, "n.md:5: image 'img/p.gif' has no caption or alt text"))
    fail_msg("%s", last_warning);
  x = unzip_entry(tmp("n.epub"), "EPUB/text/c0001.xhtml", NULL);
  assert_non_null(strstr(x, "<img src=\"../images/img0001.gif\" alt=\"\"/>"));
  free(x);
  bs_node_free(d);
}

/* What would make the XHTML invalid is left out: bad language tags, links in links. */
static void test_invalid_markup_avoided(void **state)
{
  (void)state;
  bs_node *d = bs_node_new(BS_NODE_DOCUMENT);
  bs_node_set_meta(d, BS_META_LANG, "zh_TW!");
  bs_node *p = para(d, "甲");
  bs_node *span = wrap(p, BS_NODE_SPAN, "乙");
  bs_node_set_lang(span, "not a tag");
  bs_node *link = wrap(p, BS_NODE_LINK, "丙");
  bs_node_set_href(link, "https://example.com/");
  bs_node *inner = wrap(link, BS_NODE_LINK, "丁");
  bs_node_set_href(inner, "https://example.org/");
  bs_node *ref = add(link, bs_node_new(BS_NODE_FOOTNOTE_REF));
  bs_node_set_label(ref, "a");
  bs_node *fn = add(d, bs_node_new(BS_NODE_FOOTNOTE_DEF));
  bs_node_set_label(fn, "a");
  para(fn, "注");
  bs_node_set_meta(d, BS_META_DATE, "2025年8月5日");
  bs_error err;
  nwarnings = 0;
  assert_int_equal(write_epub(d, BS_DIR_DEFAULT, 0, tmp("m.epub"), &err), BS_OK);
  char *opf = unzip_entry(tmp("m.epub"), "EPUB/content.opf", NULL);
  assert_non_null(strstr(opf, "<dc:date>2025-08-05</dc:date>"));
  free(opf);
  assert_true(nwarnings >= 1); /* the language */
  char *x = unzip_entry(tmp("m.epub"), "EPUB/text/c0001.xhtml", NULL);
  assert_non_null(strstr(x, "lang=\"und\""));
  assert_null(strstr(x, "not a tag"));
  assert_non_null(strstr(x, "<a href=\"https://example.com/\">丙<span class=\"link\">丁</span><sup>a</sup></a>"));
  free(x);
  bs_node_free(d);
}

/* A vertical book with one horizontal (English) chapter: each chapter gets its sheet. */
static void test_mixed_directions(void **state)
{
  (void)state;
  bs_node *book = bs_node_new(BS_NODE_BOOK);
  bs_node_set_meta(book, BS_META_DIRECTION, "vertical");
  bs_node_set_meta(book, BS_META_LANG, "zh-Hant");
  bs_node *a = add(book, bs_node_new(BS_NODE_DOCUMENT));
  bs_node_set_meta(a, BS_META_TITLE, "甲");
  para(a, "他說“好”，共12人。");
  bs_node *b = add(book, bs_node_new(BS_NODE_DOCUMENT));
  bs_node_set_meta(b, BS_META_TITLE, "English");
  bs_node_set_meta(b, BS_META_LANG, "en");
  bs_node_set_meta(b, BS_META_DIRECTION, "horizontal");
  para(b, "He said “hello” to 12 people.");
  bs_error err;
  assert_int_equal(write_epub(book, BS_DIR_DEFAULT, 0, tmp("mix.epub"), &err), BS_OK);
  char *x1 = unzip_entry(tmp("mix.epub"), "EPUB/text/c0001.xhtml", NULL);
  char *x2 = unzip_entry(tmp("mix.epub"), "EPUB/text/c0002.xhtml", NULL);
  char *opf = unzip_entry(tmp("mix.epub"), "EPUB/content.opf", NULL);
  assert_non_null(strstr(x1, "vertical.css"));
  assert_non_null(strstr(x1, "他說「好」，共<span class=\"tcy\">12</span>人。"));
  assert_non_null(strstr(x2, "horizontal.css"));
  assert_non_null(strstr(x2, "He said “hello” to 12 people."));
  assert_non_null(strstr(x2, "lang=\"en\""));
  assert_non_null(strstr(opf, "page-progression-direction=\"rtl\""));
  assert_non_null(strstr(opf, "href=\"css/horizontal.css\""));
  assert_non_null(strstr(opf, "href=\"css/vertical.css\""));
  free(x1);
  free(x2);
  free(opf);
  bs_node_free(book);
}

/* templates_dir replaces the built-in stylesheets */
static void test_templates_dir(void **state)
{
  (void)state;
  make_tmpdir();
  mkdir(tmp("tpl"), 0755);
  static const char *names[] = {"tpl/base.css", "tpl/horizontal.css", "tpl/vertical.css"};
  for (int i = 0; i < 3; i++) {
    FILE *f = fopen(tmp(names[i]), "w");
    fprintf(f, "/* mine %d */\n", i);
    fclose(f);
  }
  bs_node *d = bs_node_new(BS_NODE_DOCUMENT);
  para(d, "文");
  bs_epub_options o;
  bs_epub_options_init(&o);
  o.templates_dir = tmp("tpl");
  bs_error err;
  assert_int_equal(bs_epub_write(d, &o, tmp("t.epub"), &err), BS_OK);
  char *css = unzip_entry(tmp("t.epub"), "EPUB/css/base.css", NULL);
  assert_string_equal(css, "/* mine 0 */\n");
  free(css);
  o.templates_dir = tmp("nowhere");
  assert_int_equal(bs_epub_write(d, &o, tmp("t.epub"), &err), BS_ERR_IO);
  bs_node_free(d);
}

static unsigned first_gid(hb_face_t *face, const char *text, hb_direction_t dir)
{
  hb_font_t *font = hb_font_create(face);
  hb_buffer_t *buf = hb_buffer_create();
  hb_buffer_add_utf8(buf, text, -1, 0, -1);
  hb_buffer_set_direction(buf, dir);
  hb_buffer_set_script(buf, HB_SCRIPT_HAN);
  hb_buffer_set_language(buf, hb_language_from_string("zh-Hant", -1));
  hb_shape(font, buf, NULL, 0);
  unsigned n;
  hb_glyph_info_t *info = hb_buffer_get_glyph_infos(buf, &n);
  unsigned gid = n ? info[0].codepoint : 0;
  hb_buffer_destroy(buf);
  hb_font_destroy(font);
  return gid;
}

/* --embed-fonts: a subset of the TC face with the characters used, and its vertical forms
 * (V2: 「 has a vertical glyph in TTB) kept. */
static void test_embed_fonts(void **state)
{
  (void)state;
  bs_node *d = rich_article(tmp("rich.txt"));
  bs_epub_options o;
  bs_epub_options_init(&o);
  o.embed_fonts = true;
  o.direction = BS_DIR_VERTICAL;
  o.diag = count_warning;
  nwarnings = 0;
  last_warning[0] = 0;
  bs_error err;
  assert_int_equal(bs_epub_write(d, &o, tmp("f.epub"), &err), BS_OK);
  bs_node_free(d);
  /* fonts-noto-cjk is in DEBS: a missing face is a failure, not a reason to skip */
  assert_null(strstr(last_warning, "not installed"));
  size_t len = 0;
  char *otf = unzip_entry(tmp("f.epub"), "EPUB/fonts/NotoSerifCJKtc-subset.otf", &len);
  assert_non_null(otf);
  assert_true(len > 1000 && len < 2000000); /* a subset, not the 20 MB collection */
  assert_memory_equal(otf, "OTTO", 4);     /* CFF OpenType */
  char *css = unzip_entry(tmp("f.epub"), "EPUB/css/fonts.css", NULL);
  assert_non_null(strstr(css, "font-family: \"Noto Serif CJK TC\""));
  assert_non_null(strstr(css, "url(\"../fonts/NotoSerifCJKtc-subset.otf\")"));
  free(css);
  char *x = unzip_entry(tmp("f.epub"), "EPUB/text/c0001.xhtml", NULL);
  assert_non_null(strstr(x, "href=\"../css/fonts.css\""));
  free(x);
  hb_blob_t *blob = hb_blob_create(otf, (unsigned)len, HB_MEMORY_MODE_READONLY, NULL, NULL);
  hb_face_t *face = hb_face_create(blob, 0);
  unsigned h = first_gid(face, "「", HB_DIRECTION_LTR);
  unsigned v = first_gid(face, "「", HB_DIRECTION_TTB);
  assert_int_not_equal(h, 0); /* used, so present */
  assert_int_not_equal(h, v); /* vert survived */
  assert_int_equal(first_gid(face, "鑫", HB_DIRECTION_LTR), 0); /* unused, so absent */
  hb_face_destroy(face);
  hb_blob_destroy(blob);
  free(otf);

  /* bold text has its own faces: Serif Bold for strong, em in CJK and the author line; Sans
   * Bold for the headings base.css sets in Sans (E4). Each holds its own characters only. */
  static const struct {
    const char *file, *css, *has[3], *hasnt;
  } bold[] = {
      {"EPUB/fonts/NotoSerifCJKtc-Bold-subset.otf", "Noto Serif CJK TC", {"重", "強", "王"}, "引"},
      {"EPUB/fonts/NotoSansCJKtc-Bold-subset.otf", "Noto Sans CJK TC", {"測", "概", "節"}, "重"},
  };
  css = unzip_entry(tmp("f.epub"), "EPUB/css/fonts.css", NULL);
  for (size_t i = 0; i < 2; i++) {
    char decl[256];
    snprintf(decl, sizeof decl,
             "font-family: \"%s\";\n  font-style: normal;\n  font-weight: bold;\n"
             "  src: url(\"../%s\")",
             bold[i].css, bold[i].file + 5);
    assert_non_null(strstr(css, decl));
    otf = unzip_entry(tmp("f.epub"), bold[i].file, &len);
    assert_non_null(otf);
    assert_memory_equal(otf, "OTTO", 4);
    blob = hb_blob_create(otf, (unsigned)len, HB_MEMORY_MODE_READONLY, NULL, NULL);
    face = hb_face_create(blob, 0);
    for (int k = 0; k < 3; k++)
      assert_int_not_equal(first_gid(face, bold[i].has[k], HB_DIRECTION_LTR), 0);
    assert_int_equal(first_gid(face, bold[i].hasnt, HB_DIRECTION_LTR), 0);
    hb_face_destroy(face);
    hb_blob_destroy(blob);
    free(otf);
  }
  free(css);
}

/* Progress: once at the start (0 of N), then after each chapter, on the calling thread. */
static size_t progress_seen[8][2];
static int nprogress;
static void on_progress(void *user, const bs_progress *p)
{
  (void)user;
  if (nprogress < 8) {
    progress_seen[nprogress][0] = p->done;
    progress_seen[nprogress][1] = p->total;
  }
  nprogress++;
}

static void test_progress(void **state)
{
  (void)state;
  make_tmpdir();
  bs_node *book = bs_node_new(BS_NODE_BOOK);
  bs_node_set_meta(book, BS_META_TITLE, "書");
  for (int i = 0; i < 3; i++) {
    bs_node *d = add(book, bs_node_new(BS_NODE_DOCUMENT));
    bs_node_set_meta(d, BS_META_LANG, "zh-Hant");
    para(d, "正文。");
  }
  bs_epub_options o;
  bs_epub_options_init(&o);
  o.progress = on_progress;
  nprogress = 0;
  bs_error err;
  assert_int_equal(bs_epub_write(book, &o, tmp("p.epub"), &err), BS_OK);
  bs_node_free(book);
  assert_int_equal(nprogress, 4);
  for (int i = 0; i < 4; i++) {
    assert_int_equal(progress_seen[i][0], (size_t)i);
    assert_int_equal(progress_seen[i][1], 3);
  }
}

/* A heading without text (a Markdown `#` alone; found by DAISY Ace on a fuzz replay's book:
 * empty-heading) is written as a plain block and left out of the contents. */
static void test_empty_heading(void **state)
{
  (void)state;
  bs_node *d = bs_node_new(BS_NODE_DOCUMENT);
  bs_node_set_meta(d, BS_META_LANG, "zh-Hant");
  bs_node_set_meta(d, BS_META_TITLE, "題");
  bs_node *h = add(d, bs_node_new(BS_NODE_HEADING));
  bs_node_set_heading_level(h, 1);
  para(d, "正文。");
  wrap(d, BS_NODE_HEADING, "節");
  bs_error err;
  assert_int_equal(write_epub(d, BS_DIR_DEFAULT, 1700000000, tmp("eh.epub"), &err), BS_OK);
  bs_node_free(d);
  char *x = unzip_entry(tmp("eh.epub"), "EPUB/text/c0001.xhtml", NULL);
  assert_non_null(strstr(x, "<div/>\n<p>正文。</p>"));
  assert_non_null(strstr(x, "<h2 id=\"h1\">節</h2>"));
  assert_null(strstr(x, "></h2>"));
  assert_null(strstr(x, "<h2 id=\"h1\"/>"));
  free(x);
  char *nav = unzip_entry(tmp("eh.epub"), "EPUB/nav.xhtml", NULL);
  assert_null(strstr(nav, "\"></a>"));
  assert_non_null(strstr(nav, "節</a>"));
  free(nav);
}

/* An error inside zip_close keeps the chapter's own message (issue #14): the image a chapter
 * shows is planned (read, checked) before the container is written and read again when libzip
 * asks for it. The first progress report comes between the two; there the image is removed,
 * or replaced by another kind of file. The book fails with the referring article's file:line,
 * and neither the book nor a temporary is left. */
static int late_mode; /* 1: remove the image, 2: replace it with a PNG header, 3: with text */
static void late_change(void *user, const bs_progress *p)
{
  const char *img = user;
  if (p->done != 0 || !late_mode)
    return;
  if (late_mode == 1) {
    assert_int_equal(unlink(img), 0);
  } else {
    FILE *f = fopen(img, "wb");
    assert_non_null(f);
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
                                        'I',  'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0};
    if (late_mode == 2)
      fwrite(png, 1, sizeof png, f);
    else
      fputs("not an image any more\n", f);
    fclose(f);
  }
  late_mode = 0;
}

static int count_files(const char *dir)
{
  DIR *d = opendir(dir);
  assert_non_null(d);
  int n = 0;
  struct dirent *de;
  while ((de = readdir(d)))
    n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
  closedir(d);
  return n;
}

static void test_late_image_error(void **state)
{
  (void)state;
  make_tmpdir();
  mkdir(tmp("late"), 0755);
  static const unsigned char gif[] = {0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0x80, 0,
                                      0,    0xff, 0xff, 0xff, 0,    0,    0, 0x21, 0xf9, 4, 1, 0,
                                      0,    0,    0,    0x2c, 0,    0,    0, 0, 1, 0, 1, 0, 0, 2,
                                      2,    0x44, 1,    0,    0x3b};
  static const char *const want[] = {
      NULL, "b.md:7: cannot read image 'p.gif': ",
      "b.md:7: image 'p.gif' changed while the book was written (now a png file)",
      "b.md:7: image 'p.gif' is not a PNG, JPEG, GIF, WebP or SVG file"};
  for (int mode = 1; mode <= 3; mode++) {
    char img[600];
    snprintf(img, sizeof img, "%s", tmp("late/p.gif"));
    FILE *f = fopen(img, "wb");
    assert_non_null(f);
    fwrite(gif, 1, sizeof gif, f);
    fclose(f);
    /* three chapters, so the pages are made on the producer thread; the image is the second's */
    bs_node *book = bs_node_new(BS_NODE_BOOK);
    bs_node_set_meta(book, BS_META_TITLE, "書");
    for (int i = 0; i < 3; i++) {
      bs_node *d = add(book, bs_node_new(BS_NODE_DOCUMENT));
      bs_node_set_meta(d, BS_META_LANG, "zh-Hant");
      bs_node_set_input(d, tmp(i == 1 ? "late/b.md" : "late/a.md"));
      para(d, "正文。");
      if (i == 1) {
        bs_node *fig = add(d, bs_node_new(BS_NODE_FIGURE));
        bs_node_set_src(fig, "p.gif");
        bs_node_set_caption(fig, "図");
        bs_node_set_pos(fig, 7, 1, 0);
      }
    }
    bs_epub_options o;
    bs_epub_options_init(&o);
    o.progress = late_change;
    o.progress_user = img;
    late_mode = mode;
    char out[600];
    snprintf(out, sizeof out, "%s", tmp("late/out/book.epub"));
    mkdir(tmp("late/out"), 0755);
    bs_error err;
    bs_error_clear(&err);
    bs_status st = bs_epub_write(book, &o, out, &err);
    bs_node_free(book);
    assert_int_equal(late_mode, 0); /* the change was made */
    assert_int_not_equal(st, BS_OK);
    char msg[1200];
    bs_error_format(&err, msg, sizeof msg);
    const char *at = strstr(msg, "/late/");
    assert_non_null(at);
    at += strlen("/late/");
    if (strncmp(at, want[mode], strlen(want[mode])))
      fail_msg("mode %d: got '%s', want '%s...'", mode, msg, want[mode]);
    assert_null(strstr(msg, "libzip"));
    assert_int_equal(count_files(tmp("late/out")), 0); /* no book, no temporary */
    rmdir(tmp("late/out"));
    unlink(img);
  }
}

/* ---- fixtures for epubcheck: what the corpus does not exercise ---- */

static int write_fixtures(const char *dir)
{
  int rc = 0;
  char out[1024];
  bs_error err;
  bs_node *rich = rich_article("rich.txt");
  for (int v = 0; v < 2; v++) {
    snprintf(out, sizeof out, "%s/rich-%s.epub", dir, v ? "vertical" : "horizontal");
    if (write_epub(rich, v ? BS_DIR_VERTICAL : BS_DIR_HORIZONTAL, 1700000000, out, &err))
      rc = 1;
  }
  /* a book of two rich chapters, one of them horizontal English, with embedded fonts */
  bs_node *book = bs_node_new(BS_NODE_BOOK);
  bs_node_set_meta(book, BS_META_TITLE, "合集");
  bs_node_set_meta(book, BS_META_DIRECTION, "vertical");
  bs_node_set_meta(book, BS_META_LANG, "zh-Hant");
  bs_node_append_child(book, rich);
  bs_node *en = add(book, bs_node_new(BS_NODE_DOCUMENT));
  bs_node_set_meta(en, BS_META_TITLE, "An English chapter");
  bs_node_set_meta(en, BS_META_LANG, "en");
  bs_node_set_meta(en, BS_META_DIRECTION, "horizontal");
  para(en, "He said “hello” to 12 people in 2025.");
  bs_epub_options o;
  bs_epub_options_init(&o);
  o.embed_fonts = true;
  o.source_date = 1700000000;
  snprintf(out, sizeof out, "%s/book-fonts.epub", dir);
  if (bs_epub_write(book, &o, out, &err))
    rc = 1;
  bs_node_free(book);
  return rc;
}

int main(int argc, char **argv)
{
  if (argc == 3 && !strcmp(argv[1], "--fixtures"))
    return write_fixtures(argv[2]);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_clean),          cmocka_unit_test(test_quotes),
      cmocka_unit_test(test_runs),           cmocka_unit_test(test_sniff),
      cmocka_unit_test(test_rich_horizontal), cmocka_unit_test(test_rich_vertical),
      cmocka_unit_test(test_reproducible),   cmocka_unit_test(test_bad_images),
      cmocka_unit_test(test_good_image_and_cover), cmocka_unit_test(test_embed_fonts),
      cmocka_unit_test(test_progress),       cmocka_unit_test(test_late_image_error),
      cmocka_unit_test(test_empty_heading),
      cmocka_unit_test(test_invalid_markup_avoided), cmocka_unit_test(test_templates_dir),
      cmocka_unit_test(test_mixed_directions),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  if (*tmpdir) {
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
      rc = rc ? rc : 1;
  }
  return rc;
}

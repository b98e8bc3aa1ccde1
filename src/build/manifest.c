/* The book project: book.yaml (libyaml document API; positions from its event marks) into a
 * book tree plus a list of outputs (output.c writes them). Not a reader: it carries both
 * writers' options, so it lives in src/build/, the one stage that joins readers and writers. */
#include <errno.h>
#include <glob.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <yaml.h>

#include "../util/util.h"
#include "bisheng/manifest.h"
#include "bisheng/settings.h"
#include "build-impl.h"

/* ---- The manifest ---- */

typedef struct override {
  const char *meta[BS_META_STRING_COUNT];
  const char **authors; /* NULL: not set */
  size_t nauthors;
} override;

typedef struct entry {
  bool is_part;      /* a part divider */
  char *path;        /* resolved (articles) */
  int line;
  override ov;
} entry;

struct bs_manifest {
  char *path;
  char *dir;         /* the manifest's folder with a trailing '/', or "" */
  yaml_document_t doc;
  bool have_doc;
  bs_node *book;
  entry *entries;
  size_t nentries, narticles, nparts;
  size_t *article_index; /* entries[] index of each article, made after parsing */
  bs_manifest_output *outputs;
  size_t noutputs;
  /* volumes: how the book is split (`volumes:`), each volume's entries, the one selected */
  enum { VOL_NONE, VOL_PARTS, VOL_ARTICLES, VOL_PAGES } vol_kind;
  long vol_max;
  int vol_line;
  struct volume {
    size_t first, end; /* entries[first, end) */
    long cont_part;    /* a part divider repeated at the start (the part goes on), or -1 */
  } *vols;
  size_t nvols, volume;
  char *title;       /* the book's own title, before a volume's is set */
  bool read;         /* bs_manifest_read_articles filled the book */
  bool normalize, lossy; /* the readers' options (load's, then read_articles') */
  char *meta_dump;   /* the book's metadata as loaded, as JSON: part of the change hash */
  char **pool;       /* strings owned by the manifest */
  size_t npool;
};

void bs_manifest_options_init(bs_manifest_options *o)
{
  memset(o, 0, sizeof *o);
  o->normalize = true;
  o->jobs = 1;
}

static char *pool_add(bs_manifest *m, char *s)
{
  m->pool = bs_xrealloc(m->pool, (m->npool + 1) * sizeof *m->pool);
  m->pool[m->npool++] = s;
  return s;
}

void bs_manifest_free(bs_manifest *m)
{
  if (!m)
    return;
  if (m->have_doc)
    yaml_document_delete(&m->doc);
  bs_node_free(m->book);
  for (size_t i = 0; i < m->nentries; i++) {
    free(m->entries[i].path);
    free(m->entries[i].ov.authors);
  }
  free(m->entries);
  free(m->article_index);
  free(m->vols);
  free(m->title);
  free(m->meta_dump);
  free(m->outputs);
  for (size_t i = 0; i < m->npool; i++)
    free(m->pool[i]);
  free(m->pool);
  free(m->path);
  free(m->dir);
  free(m);
}

const bs_node *bs_manifest_get_book(const bs_manifest *m) { return m->book; }

size_t bs_manifest_volume_count(const bs_manifest *m) { return m->nvols; }

/* "第一卷" in Chinese numerals up to 9,999 (the volume count is bounded by the articles). */
static void cjk_number(size_t n, char *out, size_t size)
{
  static const char *const d[] = {"〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
  static const char *const u[] = {"千", "百", "十", ""};
  size_t div[] = {1000, 100, 10, 1};
  out[0] = '\0';
  bool zero = false, any = false;
  for (int i = 0; i < 4; i++) {
    size_t k = n / div[i] % 10;
    if (!k) {
      zero = any;
      continue;
    }
    if (zero)
      strncat(out, d[0], size - strlen(out) - 1);
    if (!(i == 2 && k == 1 && !any)) /* 十二, not 一十二 */
      strncat(out, d[k], size - strlen(out) - 1);
    strncat(out, u[i], size - strlen(out) - 1);
    zero = false, any = true;
  }
}

/* The selected volume's title and series on the book (again after reading: the language may
 * come from the first article). */
static void volume_meta_on(const bs_manifest *m, bs_node *book)
{
  size_t v = m->volume;
  bs_node_set_meta(book, BS_META_TITLE, m->title);
  bs_node_set_meta(book, BS_META_COLLECTION, NULL);
  bs_node_set_meta(book, BS_META_POSITION, NULL);
  if (!v)
    return;
  /* the volume in the title, as each language writes it: 書名 第一卷, 書名 第一巻, Title,
   * Volume 1; the series and the position in the metadata */
  const char *lang = bs_node_get_meta(book, BS_META_LANG);
  char num[64], title[BS_ERROR_MESSAGE_MAX];
  const char *t = m->title ? m->title : "";
  if (lang && (!strncmp(lang, "zh", 2) || !strncmp(lang, "ja", 2))) {
    cjk_number(v, num, sizeof num);
    snprintf(title, sizeof title, "%s%s第%s%s", t, *t ? " " : "", num,
             !strncmp(lang, "ja", 2) ? "巻" : "卷");
  } else {
    snprintf(title, sizeof title, "%s%sVolume %zu", t, *t ? ", " : "", v);
  }
  bs_node_set_meta(book, BS_META_TITLE, title);
  if (m->title)
    bs_node_set_meta(book, BS_META_COLLECTION, m->title);
  snprintf(num, sizeof num, "%zu", v);
  bs_node_set_meta(book, BS_META_POSITION, num);
}

static void volume_meta(bs_manifest *m) { volume_meta_on(m, m->book); }

bs_status bs_manifest_select_volume(bs_manifest *m, size_t v, bs_error *err)
{
  if (v > m->nvols)
    return bs_error_set(err, BS_ERR_ARGUMENT, m->path, 0, 0,
                        "volume %zu of a manifest with %zu volumes", v, m->nvols);
  m->volume = v;
  m->read = false; /* the book holds another volume's articles, if any */
  volume_meta(m);
  return BS_OK;
}
const char *bs_manifest_get_path(const bs_manifest *m) { return m->path; }
size_t bs_manifest_article_count(const bs_manifest *m) { return m->narticles; }
size_t bs_manifest_part_count(const bs_manifest *m) { return m->nparts; }
size_t bs_manifest_output_count(const bs_manifest *m) { return m->noutputs; }

static const entry *article_entry(const bs_manifest *m, size_t i)
{
  return i < m->narticles ? &m->entries[m->article_index[i]] : NULL;
}

const char *bs_manifest_article_path(const bs_manifest *m, size_t i)
{
  const entry *e = article_entry(m, i);
  return e ? e->path : NULL;
}

int bs_manifest_article_line(const bs_manifest *m, size_t i)
{
  const entry *e = article_entry(m, i);
  return e ? e->line : 0;
}

const bs_manifest_output *bs_manifest_get_output(const bs_manifest *m, size_t i)
{
  return i < m->noutputs ? &m->outputs[i] : NULL;
}

const bs_manifest_output *bs_manifest_find_output(const bs_manifest *m, const char *name)
{
  for (size_t i = 0; name && i < m->noutputs; i++)
    if (!strcmp(m->outputs[i].name, name))
      return &m->outputs[i];
  return NULL;
}

bool bs_manifest_is_part(const bs_node *doc)
{
  if (!doc || bs_node_get_type(doc) != BS_NODE_DOCUMENT)
    return false;
  size_t n = bs_node_get_meta_count(doc, BS_META_TAGS);
  for (size_t i = 0; i < n; i++)
    if (!strcmp(bs_node_get_meta_item(doc, BS_META_TAGS, i), BS_PART_TAG))
      return true;
  return false;
}

/* ---- Parsing context and error collection ---- */

typedef struct ctx {
  bs_manifest *m;
  const bs_manifest_options *opts;
  bs_error *err;
  int nerr;
  bs_status first;
  long visits;
  int nmissing; /* of nerr: missing articles, which --keep-going leaves out */
  char *root;   /* the manifest's folder, real path (confinement), made on first use */
} ctx;

static void vreport(ctx *c, bs_status code, int line, int col, const char *fmt, va_list ap)
{
  bs_error e;
  bs_diag_vmake(&e, code, c->m->path, line, col, fmt, ap);
  if (c->nerr++ == 0) {
    c->first = code;
    if (c->err)
      *c->err = e;
  }
  if (c->opts && c->opts->report)
    c->opts->report(c->opts->report_user, &e);
}

static void report(ctx *c, bs_status code, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void report(ctx *c, bs_status code, int line, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vreport(c, code, line, 0, fmt, ap);
  va_end(ap);
}

static void report_error(ctx *c, const bs_error *e)
{
  if (c->nerr++ == 0) {
    c->first = e->code;
    if (c->err)
      *c->err = *e;
  }
  if (c->opts && c->opts->report)
    c->opts->report(c->opts->report_user, e);
}

static void warn(ctx *c, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void warn(ctx *c, int line, const char *fmt, ...)
{
  if (!c->opts)
    return;
  va_list ap;
  va_start(ap, fmt);
  bs_diag_vemit(c->opts->diag, c->opts->diag_user, BS_ERR_SYNTAX, c->m->path, line, 0, fmt, ap);
  va_end(ap);
}

/* ---- YAML node helpers ---- */

static yaml_node_t *node_at(ctx *c, int id) { return yaml_document_get_node(&c->m->doc, id); }
static int line_of(const yaml_node_t *n) { return (int)n->start_mark.line + 1; }

static const char *kind_name(const yaml_node_t *n)
{
  switch (n->type) {
  case YAML_SEQUENCE_NODE: return "a list";
  case YAML_MAPPING_NODE: return "a mapping";
  default: return "text";
  }
}

/* The scalar's text, or NULL (reported) when `n` is not a scalar. */
static const char *scalar(ctx *c, const yaml_node_t *n, const char *key)
{
  if (n->type == YAML_SCALAR_NODE)
    return (const char *)n->data.scalar.value;
  report(c, BS_ERR_SYNTAX, line_of(n), "'%s' should be text, not %s", key, kind_name(n));
  return NULL;
}

static bool visit(ctx *c, const yaml_node_t *n)
{
  /* aliases let a small file name a huge graph: bound the walk */
  if (++c->visits == BS_MANIFEST_NODES_MAX)
    report(c, BS_ERR_LIMIT, line_of(n), "manifest too large (more than %d YAML nodes)",
           BS_MANIFEST_NODES_MAX);
  return c->visits < BS_MANIFEST_NODES_MAX;
}

static bool parse_number(ctx *c, const yaml_node_t *n, const char *key, const char *unit,
                         double lo, double hi, double *out)
{
  const char *v = scalar(c, n, key);
  if (!v)
    return false;
  char *end;
  errno = 0;
  double d = strtod(v, &end);
  while (*end == ' ')
    end++;
  if (end == v || errno || (*end && strcmp(end, unit)) || d < lo || d > hi) {
    report(c, BS_ERR_SYNTAX, line_of(n), "'%s' should be a number from %g to %g, not '%s'",
           key, lo, hi, v);
    return false;
  }
  *out = d;
  return true;
}

/* A path as written, resolved against the manifest's folder; the manifest owns it. */
static char *resolve(bs_manifest *m, const char *p)
{
  bs_buf b = BS_BUF_INIT;
  if (p[0] == '/' || !m->dir[0])
    bs_buf_puts(&b, p);
  else
    bs_buf_printf(&b, "%s%s", m->dir, p);
  return bs_buf_detach(&b);
}

/* ---- Confinement (#20): what a manifest names stays in its folder tree ---- */

/* `path` made absolute without symbolic links: the real path of its deepest existing part,
 * then the rest (which does not exist yet: an output) with its "." and ".." applied. */
static char *canonical(const char *path)
{
  char *p = bs_xstrdup(path);
  size_t cut = strlen(p); /* path[cut..] does not exist */
  char *real;
  for (;;) {
    if ((real = realpath(cut ? p : ".", NULL)) || !cut)
      break;
    char *slash = strrchr(p, '/');
    if (!slash)
      cut = 0;
    else if (slash == p)
      cut = 1, p[1] = '\0'; /* "/" */
    else
      cut = (size_t)(slash - p), *slash = '\0';
  }
  free(p);
  if (!real)
    return NULL;
  bs_buf b = BS_BUF_INIT;
  bs_buf_puts(&b, strcmp(real, "/") ? real : "");
  free(real);
  for (const char *rest = path + cut; *rest;) {
    size_t n = strcspn(rest, "/");
    if (n == 2 && rest[0] == '.' && rest[1] == '.') {
      while (b.len && b.data[b.len - 1] != '/')
        b.len--;
      if (b.len)
        b.len--;
      b.data[b.len] = '\0';
    } else if (n && !(n == 1 && rest[0] == '.')) {
      bs_buf_printf(&b, "/%.*s", (int)n, rest);
    }
    rest += n + (rest[n] == '/');
  }
  if (!b.len)
    bs_buf_puts(&b, "/");
  return bs_buf_detach(&b);
}

/* Whether `full` (a path resolved against the manifest's folder) is in its folder tree. */
static bool inside(ctx *c, const char *full)
{
  if (!c->root && !(c->root = canonical(c->m->dir[0] ? c->m->dir : ".")))
    return true; /* no folder to compare with (it went away) */
  char *real = canonical(full);
  size_t rl = strlen(c->root);
  bool in = real && (!strcmp(c->root, "/") ||
                     (!strncmp(real, c->root, rl) && (real[rl] == '/' || real[rl] == '\0')));
  free(real);
  return in;
}

/* Why `given` (as written; `full`: resolved) is outside the manifest's folder, or NULL. */
static const char *outside(ctx *c, const char *given, const char *full)
{
  if (inside(c, full))
    return NULL;
  if (given[0] == '/')
    return "is outside the manifest's folder";
  int depth = 0; /* does the spelling climb out, or a link lead out? */
  bool climbs = false;
  for (const char *p = given; *p && !climbs;) {
    size_t n = strcspn(p, "/");
    if (n == 2 && p[0] == '.' && p[1] == '.')
      climbs = --depth < 0;
    else if (n && !(n == 1 && p[0] == '.'))
      depth++;
    p += n + (p[n] == '/');
  }
  return climbs ? "leaves the manifest's folder"
                : "leads out of the manifest's folder through a symbolic link";
}

/* Reports `what` '`given`' outside the folder, unless --allow-outside; true if it was. */
static bool confined_out(ctx *c, int line, const char *what, const char *given, const char *full)
{
  if (c->opts && c->opts->allow_outside)
    return false;
  const char *why = outside(c, given, full);
  if (why)
    report(c, BS_ERR_IO, line, "%s '%s' %s (--allow-outside allows it)", what, given, why);
  return why != NULL;
}

/* A glob stays in the folder whatever the options: the folder its first wildcard is in must
 * be inside (so '/' + '*' + '/' + '*' … never walks the file system), and no ".." after it. */
static const char *glob_outside(ctx *c, const char *pattern)
{
  const char *wild = strpbrk(pattern, "*?[");
  const char *slash = wild;
  while (slash > pattern && slash[-1] != '/')
    slash--;
  for (const char *p = slash; *p;) {
    size_t n = strcspn(p, "/");
    if (n == 2 && p[0] == '.' && p[1] == '.')
      return "uses '..' after a wildcard";
    p += n + (p[n] == '/');
  }
  char *dir = bs_xstrndup(pattern, (size_t)(slash - pattern));
  char *full = resolve(c->m, dir);
  const char *why = outside(c, dir[0] ? dir : ".", full);
  free(dir);
  free(full);
  return why;
}

/* ---- Keys ---- */

/* Edit distance, for "did you mean" (small strings only). */
static size_t distance(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b);
  if (la > 40 || lb > 40)
    return 99;
  size_t row[41];
  for (size_t j = 0; j <= lb; j++)
    row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      size_t best = diag + (a[i - 1] != b[j - 1]);
      if (row[j] + 1 < best)
        best = row[j] + 1;
      if (row[j - 1] + 1 < best)
        best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

static void unknown_key(ctx *c, const yaml_node_t *k, const char *key, const char *where,
                        const char *const *known)
{
  const char *best = NULL;
  size_t bd = 3;
  for (size_t i = 0; known[i]; i++) {
    size_t d = distance(key, known[i]);
    if (d < bd) {
      bd = d;
      best = known[i];
    }
  }
  if (best)
    report(c, BS_ERR_SYNTAX, line_of(k), "unknown key '%s' in %s (did you mean '%s'?)", key,
           where, best);
  else
    report(c, BS_ERR_SYNTAX, line_of(k), "unknown key '%s' in %s", key, where);
}

/* Metadata keys (pandoc's names first, then accepted aliases). */
typedef struct meta_key {
  const char *name;
  int key; /* bs_meta_key, or -1 for authors, -2 for tags */
} meta_key;

static const meta_key meta_keys[] = {
    {"title", BS_META_TITLE},         {"subtitle", BS_META_SUBTITLE},
    {"author", -1},                   {"authors", -1},
    {"editor", BS_META_EDITOR},       {"publisher", BS_META_PUBLISHER},
    {"date", BS_META_DATE},           {"lang", BS_META_LANG},
    {"language", BS_META_LANG},       {"identifier", BS_META_IDENTIFIER},
    {"direction", BS_META_DIRECTION}, {"cover-image", BS_META_COVER},
    {"cover", BS_META_COVER},         {"rights", BS_META_RIGHTS},
    {"description", BS_META_DESCRIPTION}, {"abstract", BS_META_DESCRIPTION},
    {"keywords", -2},                 {"tags", -2},
    {"url", BS_META_URL},             {"source", BS_META_SOURCE},
    {"affiliation", BS_META_AFFILIATION},
    {NULL, 0}};

static const meta_key *find_meta(const char *k)
{
  for (const meta_key *mk = meta_keys; mk->name; mk++)
    if (!strcmp(mk->name, k))
      return mk;
  return NULL;
}

/* Where each metadata key may appear (book always). */
static bool meta_allowed(int key, bool part)
{
  switch (key) {
  case BS_META_TITLE: case BS_META_SUBTITLE: case -1: case BS_META_LANG:
  case BS_META_DIRECTION:
    return true;
  case BS_META_DATE: case BS_META_SOURCE: case BS_META_URL: case BS_META_DESCRIPTION:
  case BS_META_RIGHTS: case BS_META_AFFILIATION: case -2:
    return !part;
  default:
    return false;
  }
}

/* A list of strings: one scalar, a sequence of scalars, or pandoc's {name: ...} mappings. */
static const char **string_list(ctx *c, const yaml_node_t *v, const char *key, size_t *n)
{
  *n = 0;
  if (v->type == YAML_SCALAR_NODE) {
    const char **l = bs_xmalloc(sizeof *l);
    l[(*n)++] = (const char *)v->data.scalar.value;
    return l;
  }
  if (v->type != YAML_SEQUENCE_NODE) {
    report(c, BS_ERR_SYNTAX, line_of(v), "'%s' should be text or a list, not a mapping", key);
    return NULL;
  }
  size_t cap = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
  const char **l = bs_xcalloc(cap + 1, sizeof *l);
  for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
       it++) {
    yaml_node_t *item = node_at(c, *it);
    if (!visit(c, item))
      break;
    if (item->type == YAML_MAPPING_NODE) {
      const char *name = NULL;
      for (yaml_node_pair_t *p = item->data.mapping.pairs.start;
           p < item->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node_at(c, p->key), *val = node_at(c, p->value);
        if (k->type == YAML_SCALAR_NODE && !strcmp((char *)k->data.scalar.value, "name"))
          name = scalar(c, val, "name");
      }
      if (name)
        l[(*n)++] = name;
      else
        report(c, BS_ERR_SYNTAX, line_of(item), "an entry of '%s' has no 'name'", key);
    } else {
      const char *s = scalar(c, item, key);
      if (s)
        l[(*n)++] = s;
    }
  }
  return l;
}

static bool check_direction(ctx *c, const yaml_node_t *v, const char *s)
{
  if (bs_direction_from_string(s) != BS_DIR_DEFAULT)
    return true;
  report(c, BS_ERR_SYNTAX, line_of(v), "'direction' should be horizontal or vertical, not '%s'",
         s);
  return false;
}

/* Sets one metadata key from `v` into `ov`. */
static void set_meta(ctx *c, override *ov, const meta_key *mk, const yaml_node_t *v)
{
  if (mk->key == -1 || mk->key == -2) {
    size_t n;
    const char **l = string_list(c, v, mk->name, &n);
    if (!l)
      return;
    if (mk->key == -2) {
      /* tags go straight to the book (only the book takes them) */
      for (size_t i = 0; i < n; i++)
        bs_node_add_meta_item(c->m->book, BS_META_TAGS, l[i]);
      free(l);
      return;
    }
    free(ov->authors);
    ov->authors = l;
    ov->nauthors = n;
    return;
  }
  const char *s = scalar(c, v, mk->name);
  if (!s)
    return;
  if (mk->key == BS_META_DIRECTION && !check_direction(c, v, s))
    return;
  ov->meta[mk->key] = s;
}

/* Checks a mapping for duplicate keys (YAML forbids them; libyaml does not check). */
static bool check_mapping(ctx *c, const yaml_node_t *map, const char *what)
{
  if (map->type != YAML_MAPPING_NODE) {
    report(c, BS_ERR_SYNTAX, line_of(map), "%s should be a mapping, not %s", what,
           kind_name(map));
    return false;
  }
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
       p++) {
    yaml_node_t *k = node_at(c, p->key);
    if (k->type != YAML_SCALAR_NODE) {
      report(c, BS_ERR_SYNTAX, line_of(k), "keys in %s should be text", what);
      return false;
    }
    for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
      yaml_node_t *k2 = node_at(c, q->key);
      if (k2->type == YAML_SCALAR_NODE &&
          !strcmp((char *)k->data.scalar.value, (char *)k2->data.scalar.value)) {
        report(c, BS_ERR_SYNTAX, line_of(k), "duplicate key '%s' (first at line %d)",
               (char *)k->data.scalar.value, line_of(k2));
        break;
      }
    }
  }
  return true;
}

/* ---- Output settings ---- */

static const char *const outset_keys[] = {
    "direction", "paper", "papersize", "fontsize", "font-size", "mainfont", "CJKmainfont", "font",
    "css", "cover-image", "cover", "grid", "margins", "indent", "vnum", "emphasis",
    "embed-fonts", "keep-going", "toc",
    "recto-chapters", "bleed", "crop-marks", NULL};

static bool is_outset_key(const char *k)
{
  for (size_t i = 0; outset_keys[i]; i++)
    if (!strcmp(outset_keys[i], k))
      return true;
  return false;
}

/* Parses one output setting into `o` (settings.h checks the value); the book's `direction`
 * and `cover-image` are metadata and are not handled here. */
static void set_outset(ctx *c, bs_output_settings *o, const char *k, const yaml_node_t *v)
{
  const char *s = scalar(c, v, k), *expect;
  if (!s)
    return;
  int line = line_of(v);
  if (!strcmp(k, "css") || !strcmp(k, "cover-image") || !strcmp(k, "cover")) {
    /* paths are the manifest's: relative to its folder */
    struct stat st;
    char *p = pool_add(c->m, resolve(c->m, s));
    const char *what = !strcmp(k, "css") ? "stylesheet" : "cover image";
    if (confined_out(c, line, what, s, p))
      return;
    if (stat(p, &st) != 0)
      report(c, BS_ERR_IO, line, "%s '%s' not found", what, s);
    s = p;
  }
  if (!bs_output_settings_set(o, k, s, &expect))
    report(c, BS_ERR_SYNTAX, line, "'%s' should be %s, not '%s'", k, expect, s);
}

/* ---- Parts and articles ---- */

static entry *add_entry(bs_manifest *m)
{
  m->entries = bs_xrealloc(m->entries, (m->nentries + 1) * sizeof *m->entries);
  entry *e = &m->entries[m->nentries++];
  memset(e, 0, sizeof *e);
  return e;
}

static bool has_glob(const char *p) { return strpbrk(p, "*?[") != NULL; }

static const char *const article_keys[] = {"path", "file", "title", "subtitle", "author",
                                           "authors", "lang", "language", "direction", "date",
                                           "source", "url", "description", "abstract",
                                           "rights", "affiliation", NULL};
static const char *const part_keys[] = {"title", "subtitle", "author", "authors", "lang",
                                        "language", "direction", "articles", "chapters", NULL};

/* Merges `inner` over `outer` into `dst` (strings borrowed; authors copied). */
static void merge_override(override *dst, const override *outer, const override *inner)
{
  for (int k = 0; k < BS_META_STRING_COUNT; k++)
    dst->meta[k] = inner->meta[k] ? inner->meta[k] : outer->meta[k];
  const override *a = inner->authors ? inner : outer->authors ? outer : NULL;
  dst->authors = NULL;
  dst->nauthors = 0;
  if (a) {
    dst->authors = bs_xcalloc(a->nauthors + 1, sizeof *dst->authors);
    memcpy(dst->authors, a->authors, a->nauthors * sizeof *dst->authors);
    dst->nauthors = a->nauthors;
  }
}

static void add_article(ctx *c, const yaml_node_t *at, const char *p, const override *part,
                        const override *own, int title_line)
{
  bs_manifest *m = c->m;
  int line = line_of(at);
  char *full = resolve(m, p);
  char **files = NULL;
  size_t nfiles = 0, nlinked = 0;
  glob_t g;
  memset(&g, 0, sizeof g);
  const char *why = has_glob(p) ? glob_outside(c, p) : NULL;
  if (why) {
    /* never expanded: an absolute pattern of stars would walk the whole file system */
    report(c, BS_ERR_IO, line, "glob '%s' %s; globs stay inside it, even with --allow-outside",
           p, why);
    c->nmissing++;
  } else if (has_glob(p)) {
    int rc = glob(full, 0, NULL, &g); /* sorted: chapter order is file-name order */
    if (rc == GLOB_NOMATCH || (rc == 0 && g.gl_pathc == 0)) {
      report(c, BS_ERR_IO, line, "no article matches '%s'", p);
      c->nmissing++;
    } else if (rc != 0) {
      report(c, BS_ERR_IO, line, "cannot expand '%s'", p);
    } else {
      files = g.gl_pathv;
      nfiles = g.gl_pathc;
    }
  } else {
    struct stat st;
    bool found = stat(full, &st) == 0;
    if (confined_out(c, line, "article", p, full)) {
      c->nmissing++;
    } else if (!found || S_ISDIR(st.st_mode)) {
      report(c, BS_ERR_IO, line, found ? "article '%s' is a folder, not a file"
                                       : "article '%s' not found", p);
      c->nmissing++;
    } else {
      files = &full;
      nfiles = 1;
    }
  }
  if (nfiles > 1 && own->meta[BS_META_TITLE])
    report(c, BS_ERR_SYNTAX, title_line, "'title' cannot be set on '%s', which matches %zu articles",
           p, nfiles);
  for (size_t i = 0; i < nfiles; i++) {
    if (m->narticles >= BS_MANIFEST_ARTICLES_MAX) {
      report(c, BS_ERR_LIMIT, line, "more than %d articles", BS_MANIFEST_ARTICLES_MAX);
      break;
    }
    if (has_glob(p)) {
      struct stat st;
      if (stat(files[i], &st) == 0 && S_ISDIR(st.st_mode))
        continue; /* a glob may catch folders: skip them */
      if (!inside(c, files[i])) {
        nlinked++; /* a symbolic link out of the folder: globs never leave it */
        continue;
      }
    }
    entry *e = add_entry(m);
    e->path = bs_xstrdup(files[i]);
    e->line = line;
    merge_override(&e->ov, part, own);
    m->narticles++;
  }
  if (nlinked)
    warn(c, line, "'%s': %zu match%s outside the manifest's folder (symbolic links) left out", p,
         nlinked, nlinked > 1 ? "es" : "");
  if (files && files != &full)
    globfree(&g);
  free(full);
}

static void parse_article(ctx *c, const yaml_node_t *n, const override *part)
{
  override own;
  memset(&own, 0, sizeof own);
  if (n->type == YAML_SCALAR_NODE) {
    add_article(c, n, (const char *)n->data.scalar.value, part, &own, 0);
    return;
  }
  if (!check_mapping(c, n, "an article"))
    return;
  const char *p = NULL;
  const yaml_node_t *pnode = n;
  int title_line = 0;
  for (yaml_node_pair_t *it = n->data.mapping.pairs.start; it < n->data.mapping.pairs.top;
       it++) {
    yaml_node_t *k = node_at(c, it->key), *v = node_at(c, it->value);
    const char *key = (const char *)k->data.scalar.value;
    const meta_key *mk;
    if (!strcmp(key, "path") || !strcmp(key, "file")) {
      p = scalar(c, v, key);
      pnode = v;
    } else if ((mk = find_meta(key)) && meta_allowed(mk->key, false) && mk->key != -2) {
      set_meta(c, &own, mk, v);
      if (mk->key == BS_META_TITLE)
        title_line = line_of(k);
    } else if (!strcmp(key, "articles") || !strcmp(key, "chapters")) {
      report(c, BS_ERR_SYNTAX, line_of(k), "parts cannot contain parts");
    } else {
      unknown_key(c, k, key, "article", article_keys);
    }
  }
  if (!p) {
    if (pnode == n)
      report(c, BS_ERR_SYNTAX, line_of(n), "article without 'path'");
  } else {
    add_article(c, pnode, p, part, &own, title_line);
  }
  free(own.authors);
}

static bool is_part_node(ctx *c, const yaml_node_t *n)
{
  if (n->type != YAML_MAPPING_NODE)
    return false;
  for (yaml_node_pair_t *it = n->data.mapping.pairs.start; it < n->data.mapping.pairs.top; it++) {
    yaml_node_t *k = node_at(c, it->key);
    if (k->type == YAML_SCALAR_NODE && (!strcmp((char *)k->data.scalar.value, "articles") ||
                                        !strcmp((char *)k->data.scalar.value, "chapters")))
      return true;
  }
  return false;
}

static void parse_articles(ctx *c, const yaml_node_t *list, const override *part,
                           const char *key);

static void parse_part(ctx *c, const yaml_node_t *n)
{
  if (!check_mapping(c, n, "a part"))
    return;
  override own;
  memset(&own, 0, sizeof own);
  const yaml_node_t *articles = NULL;
  const char *akey = "articles";
  for (yaml_node_pair_t *it = n->data.mapping.pairs.start; it < n->data.mapping.pairs.top;
       it++) {
    yaml_node_t *k = node_at(c, it->key), *v = node_at(c, it->value);
    const char *key = (const char *)k->data.scalar.value;
    const meta_key *mk;
    if (!strcmp(key, "articles") || !strcmp(key, "chapters")) {
      articles = v;
      akey = key;
    } else if ((mk = find_meta(key)) && meta_allowed(mk->key, true)) {
      set_meta(c, &own, mk, v);
    } else {
      unknown_key(c, k, key, "part", part_keys);
    }
  }
  if (own.meta[BS_META_TITLE]) {
    entry *e = add_entry(c->m);
    e->is_part = true;
    e->line = line_of(n);
    merge_override(&e->ov, &own, &own);
    c->m->nparts++;
  }
  /* a part's title and subtitle are its own; the rest passes down to its articles */
  own.meta[BS_META_TITLE] = own.meta[BS_META_SUBTITLE] = NULL;
  if (!articles)
    report(c, BS_ERR_SYNTAX, line_of(n), "part without 'articles'");
  else
    parse_articles(c, articles, &own, akey);
  free(own.authors);
}

static void parse_articles(ctx *c, const yaml_node_t *list, const override *part,
                           const char *key)
{
  if (list->type != YAML_SEQUENCE_NODE) {
    report(c, BS_ERR_SYNTAX, line_of(list), "'%s' should be a list, not %s", key,
           kind_name(list));
    return;
  }
  for (yaml_node_item_t *it = list->data.sequence.items.start; it < list->data.sequence.items.top;
       it++) {
    yaml_node_t *item = node_at(c, *it);
    if (!visit(c, item))
      return;
    if (is_part_node(c, item)) {
      if (part)
        report(c, BS_ERR_SYNTAX, line_of(item), "parts cannot contain parts");
      else
        parse_part(c, item);
    } else {
      override none;
      memset(&none, 0, sizeof none);
      parse_article(c, item, part ? part : &none);
    }
  }
}

/* ---- Outputs ---- */

static const char *const output_keys[] = {
    "name", "file", "path", "output", "format", "to", "direction", "paper", "papersize",
    "fontsize", "font-size", "mainfont", "CJKmainfont", "font", "css", "cover-image", "cover",
    "grid", "margins", "indent", "vnum", "emphasis", "embed-fonts", "keep-going", "toc",
    "recto-chapters", "bleed", "crop-marks", NULL};

static void parse_output(ctx *c, const yaml_node_t *n, const char *given_name,
                         const bs_output_settings *book, int name_line)
{
  if (!check_mapping(c, n, "an output"))
    return;
  bs_output_settings own;
  bs_output_settings_init(&own);
  const char *name = given_name, *file = NULL, *format = NULL;
  int line = name_line ? name_line : line_of(n), file_line = line, format_line = line;
  for (yaml_node_pair_t *it = n->data.mapping.pairs.start; it < n->data.mapping.pairs.top;
       it++) {
    yaml_node_t *k = node_at(c, it->key), *v = node_at(c, it->value);
    const char *key = (const char *)k->data.scalar.value;
    if (!strcmp(key, "name")) {
      if (given_name)
        report(c, BS_ERR_SYNTAX, line_of(k), "output '%s' is named twice", given_name);
      else
        name = scalar(c, v, key);
    } else if (!strcmp(key, "file") || !strcmp(key, "path") || !strcmp(key, "output")) {
      file = scalar(c, v, key);
      file_line = line_of(v);
    } else if (!strcmp(key, "format") || !strcmp(key, "to")) {
      format = scalar(c, v, key);
      format_line = line_of(v);
    } else if (is_outset_key(key)) {
      set_outset(c, &own, key, v);
    } else {
      unknown_key(c, k, key, "output", output_keys);
    }
  }
  if (!file) {
    report(c, BS_ERR_SYNTAX, line, "output %s%s%swithout 'file'", name ? "'" : "",
           name ? name : "", name ? "' " : "");
    return;
  }
  bs_output_format f = 0;
  const char *fmt = format;
  if (!fmt) {
    const char *dot = strrchr(file, '.');
    fmt = dot && !strchr(dot, '/') ? dot + 1 : "";
  }
  if (!strcasecmp(fmt, "epub"))
    f = BS_OUTPUT_EPUB;
  else if (!strcasecmp(fmt, "pdf"))
    f = BS_OUTPUT_PDF;
  else if (format) {
    report(c, BS_ERR_SYNTAX, format_line, "unknown output format '%s' (epub or pdf)", format);
    return;
  } else {
    report(c, BS_ERR_SYNTAX, file_line,
           "cannot tell the format of '%s': add 'format: epub' or 'format: pdf'", file);
    return;
  }
  for (yaml_node_pair_t *it = n->data.mapping.pairs.start; it < n->data.mapping.pairs.top;
       it++) {
    yaml_node_t *k = node_at(c, it->key);
    const char *key = (const char *)k->data.scalar.value;
    static const char *const pdf_only[] = {"paper", "papersize", "fontsize", "font-size",
                                           "mainfont", "CJKmainfont", "font", "grid",
                                           "margins", "indent", "vnum", "emphasis", "toc",
                                           "recto-chapters", "bleed", "crop-marks", NULL};
    static const char *const epub_only[] = {"css", "cover-image", "cover", "embed-fonts", NULL};
    const char *const *other = f == BS_OUTPUT_EPUB ? pdf_only : epub_only;
    for (size_t i = 0; other[i]; i++)
      if (!strcmp(other[i], key))
        warn(c, line_of(k), "'%s' has no effect on a%s output", key,
             f == BS_OUTPUT_EPUB ? "n EPUB" : " PDF");
  }
  if (!name) {
    /* unnamed outputs are called by their file name */
    const char *slash = strrchr(file, '/');
    name = slash ? slash + 1 : file;
  }
  bs_manifest *m = c->m;
  char *path = pool_add(m, resolve(m, file));
  if (confined_out(c, file_line, "output file", file, path))
    return;
  for (size_t i = 0; i < m->noutputs; i++) {
    if (!strcmp(m->outputs[i].name, name)) {
      report(c, BS_ERR_SYNTAX, line, "duplicate output name '%s' (first at line %d)", name,
             m->outputs[i].line);
      return;
    }
    if (!strcmp(m->outputs[i].path, path)) {
      report(c, BS_ERR_SYNTAX, file_line, "outputs '%s' and '%s' both write '%s'",
             m->outputs[i].name, name, file);
      return;
    }
  }
  m->outputs = bs_xrealloc(m->outputs, (m->noutputs + 1) * sizeof *m->outputs);
  bs_manifest_output *o = &m->outputs[m->noutputs++];
  memset(o, 0, sizeof *o);
  o->name = name;
  o->file = file;
  o->path = path;
  o->format = f;
  o->line = line;
  bs_output_settings s = *book;
  bs_output_settings_merge(&s, &own);
  bs_output_settings_apply(&s, &o->epub, &o->pdf);
}

static void parse_outputs(ctx *c, const yaml_node_t *v, const bs_output_settings *book)
{
  if (v->type == YAML_SEQUENCE_NODE) {
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
      yaml_node_t *item = node_at(c, *it);
      if (!visit(c, item))
        return;
      parse_output(c, item, NULL, book, 0);
    }
  } else if (v->type == YAML_MAPPING_NODE) {
    /* outputs: {epub: {file: ...}, print: {...}} */
    if (!check_mapping(c, v, "'outputs'"))
      return;
    for (yaml_node_pair_t *it = v->data.mapping.pairs.start; it < v->data.mapping.pairs.top;
         it++) {
      yaml_node_t *k = node_at(c, it->key), *val = node_at(c, it->value);
      if (!visit(c, val))
        return;
      parse_output(c, val, (const char *)k->data.scalar.value, book, line_of(k));
    }
  } else {
    report(c, BS_ERR_SYNTAX, line_of(v), "'outputs' should be a list, not text");
  }
}

/* ---- The book ---- */

static const char *const book_keys[] = {
    "title", "subtitle", "author", "authors", "editor", "publisher", "date", "lang", "language",
    "identifier", "direction", "cover-image", "cover", "rights", "description", "abstract",
    "keywords", "tags", "url", "source", "parts", "articles", "chapters", "outputs", "paper",
    "papersize", "fontsize", "font-size", "mainfont", "CJKmainfont", "font", "css", "grid",
    "margins", "indent", "vnum", "emphasis", "embed-fonts", "keep-going", "toc",
    "recto-chapters", "bleed", "crop-marks", "volumes", NULL};

/* `volumes: parts`, or `volumes: {articles: N}` / `{pages: N}` (a maximum per volume). */
static void parse_volumes(ctx *c, const yaml_node_t *v)
{
  bs_manifest *m = c->m;
  m->vol_line = line_of(v);
  if (v->type == YAML_SCALAR_NODE) {
    const char *s = (const char *)v->data.scalar.value;
    if (!strcmp(s, "parts"))
      m->vol_kind = VOL_PARTS;
    else
      report(c, BS_ERR_SYNTAX, line_of(v),
             "'volumes' should be 'parts' or a maximum such as {articles: 500} or "
             "{pages: 400}, not '%s'", s);
    return;
  }
  static const char *const keys[] = {"articles", "max-articles", "pages", "max-pages", NULL};
  if (!check_mapping(c, v, "'volumes'"))
    return;
  for (yaml_node_pair_t *it = v->data.mapping.pairs.start; it < v->data.mapping.pairs.top; it++) {
    yaml_node_t *k = node_at(c, it->key), *val = node_at(c, it->value);
    const char *key = (const char *)k->data.scalar.value;
    double d;
    if (!strcmp(key, "articles") || !strcmp(key, "max-articles") || !strcmp(key, "pages") ||
        !strcmp(key, "max-pages")) {
      if (m->vol_kind != VOL_NONE) {
        report(c, BS_ERR_SYNTAX, line_of(k), "'volumes' takes one maximum, articles or pages");
        return;
      }
      if (parse_number(c, val, key, "", 1, 1e7, &d)) {
        m->vol_kind = strstr(key, "articles") ? VOL_ARTICLES : VOL_PAGES;
        m->vol_max = (long)d;
      }
    } else {
      unknown_key(c, k, key, "'volumes'", keys);
    }
  }
  if (m->vol_kind == VOL_NONE && c->nerr == 0)
    report(c, BS_ERR_SYNTAX, line_of(v), "'volumes' needs articles: N or pages: N");
}

/* An A5 page of the default grid holds about 600 CJK characters, 1,800 bytes of UTF-8: the
 * estimate that splits `volumes: {pages: N}` before anything is read, so every output of the
 * manifest gets the same volumes. */
#define VOLUME_BYTES_PER_PAGE 1800

static long article_pages(const entry *e)
{
  struct stat sb;
  if (!e->path || stat(e->path, &sb) != 0)
    return 1;
  return 1 + (long)(sb.st_size / VOLUME_BYTES_PER_PAGE);
}

/* Splits the entries into volumes: at each part, or before the article that would take a
 * volume past its maximum. A part split across volumes has its divider repeated. */
static void split_volumes(bs_manifest *m)
{
  if (m->vol_kind == VOL_NONE)
    return;
  m->vols = bs_xcalloc(m->nentries + 1, sizeof *m->vols);
  long used = 0, part = -1;
  size_t nart = 0;
  for (size_t k = 0; k < m->nentries; k++) {
    entry *e = &m->entries[k];
    long cost = m->vol_kind == VOL_PAGES ? article_pages(e) : 1;
    bool start = m->nvols == 0;
    if (e->is_part) {
      part = (long)k;
      start |= m->vol_kind == VOL_PARTS && nart > 0;
    } else if (m->vol_kind != VOL_PARTS && nart > 0 && used + cost > m->vol_max) {
      start = true;
    }
    if (start) {
      if (m->nvols)
        m->vols[m->nvols - 1].end = k;
      m->vols[m->nvols++] = (struct volume){k, 0, !e->is_part && part >= 0 ? part : -1};
      used = 0, nart = 0;
    }
    if (!e->is_part)
      used += cost, nart++;
  }
  if (m->nvols)
    m->vols[m->nvols - 1].end = m->nentries;
}

static void parse_book(ctx *c, const yaml_node_t *root)
{
  bs_manifest *m = c->m;
  if (!check_mapping(c, root, "the manifest"))
    return;
  override book;
  memset(&book, 0, sizeof book);
  bs_output_settings defaults;
  bs_output_settings_init(&defaults);
  const yaml_node_t *outputs = NULL;
  bool have_articles = false;
  for (yaml_node_pair_t *it = root->data.mapping.pairs.start; it < root->data.mapping.pairs.top;
       it++) {
    yaml_node_t *k = node_at(c, it->key), *v = node_at(c, it->value);
    const char *key = (const char *)k->data.scalar.value;
    const meta_key *mk;
    if (!visit(c, v))
      break;
    if (!strcmp(key, "parts") || !strcmp(key, "articles") || !strcmp(key, "chapters")) {
      /* parts and articles are read in file order, so both may appear */
      have_articles = true;
      if (!strcmp(key, "parts") && v->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *p = v->data.sequence.items.start;
             p < v->data.sequence.items.top; p++) {
          yaml_node_t *item = node_at(c, *p);
          if (!visit(c, item))
            break;
          parse_part(c, item);
        }
      } else {
        parse_articles(c, v, NULL, key);
      }
    } else if (!strcmp(key, "outputs")) {
      outputs = v;
    } else if (!strcmp(key, "volumes")) {
      parse_volumes(c, v);
    } else if (!strcmp(key, "cover-image") || !strcmp(key, "cover")) {
      const char *s = scalar(c, v, key);
      if (s) {
        set_outset(c, &defaults, key, v);
        if (defaults.cover)
          book.meta[BS_META_COVER] = defaults.cover;
      }
    } else if (!strcmp(key, "direction")) {
      set_meta(c, &book, find_meta(key), v);
    } else if ((mk = find_meta(key))) {
      set_meta(c, &book, mk, v);
    } else if (is_outset_key(key)) {
      set_outset(c, &defaults, key, v);
    } else {
      unknown_key(c, k, key, "the book", book_keys);
    }
  }
  for (int k = 0; k < BS_META_STRING_COUNT; k++)
    if (book.meta[k])
      bs_node_set_meta(m->book, (bs_meta_key)k, book.meta[k]);
  for (size_t i = 0; i < book.nauthors; i++)
    bs_node_add_meta_item(m->book, BS_META_AUTHORS, book.authors[i]);
  free(book.authors);
  if (!bs_node_get_meta(m->book, BS_META_TITLE))
    warn(c, line_of(root), "the book has no 'title'");
  if (!have_articles)
    report(c, BS_ERR_SYNTAX, line_of(root), "no articles: add an 'articles:' or 'parts:' list");
  if (!outputs)
    report(c, BS_ERR_SYNTAX, line_of(root), "no outputs: add an 'outputs:' list");
  else
    parse_outputs(c, outputs, &defaults);
  if (outputs && !m->noutputs && outputs->type != YAML_SCALAR_NODE && c->nerr == 0)
    report(c, BS_ERR_SYNTAX, line_of(outputs), "'outputs' is empty");
  if (have_articles && !m->narticles && c->nerr == 0)
    report(c, BS_ERR_SYNTAX, line_of(root), "the book has no articles");
}

static void yaml_problem(ctx *c, const yaml_parser_t *p)
{
  bs_error e;
  bs_error_clear(&e);
  if (p->error == YAML_MEMORY_ERROR)
    bs_error_set(&e, BS_ERR_SYNTAX, c->m->path, 0, 0, "bad YAML: out of memory");
  else /* where the open construct starts (libyaml's context mark), and where it gave up */
    bs_yaml_error(&e, c->m->path, 1, "bad YAML", p->problem, p->problem_mark.line,
                  p->problem_mark.column, p->context, p->context_mark.line,
                  p->context_mark.column);
  report_error(c, &e);
}

/* Block nesting deeper than BS_MANIFEST_DEPTH_MAX (a manifest needs seven; flow nesting is
 * refused before libyaml sees it: its scanner is quadratic there). A node's items are made
 * after it, so one pass in node order gives every depth; an alias adds no nesting of the
 * text. Returns the first node too deep, or NULL. */
static const yaml_node_t *too_deep(yaml_document_t *d)
{
  size_t n = (size_t)(d->nodes.top - d->nodes.start);
  int *depth = bs_xcalloc(n + 1, sizeof *depth);
  const yaml_node_t *bad = NULL;
  if (n)
    depth[0] = 1;
  for (size_t i = 0; i < n && !bad; i++) {
    const yaml_node_t *x = &d->nodes.start[i];
    int below = depth[i] + 1;
    if (x->type == YAML_SEQUENCE_NODE) {
      for (const yaml_node_item_t *it = x->data.sequence.items.start;
           it < x->data.sequence.items.top; it++)
        if ((size_t)*it > i + 1 && (size_t)*it <= n && depth[*it - 1] < below)
          depth[*it - 1] = below;
    } else if (x->type == YAML_MAPPING_NODE) {
      for (const yaml_node_pair_t *pr = x->data.mapping.pairs.start;
           pr < x->data.mapping.pairs.top; pr++) {
        if ((size_t)pr->key > i + 1 && (size_t)pr->key <= n && depth[pr->key - 1] < below)
          depth[pr->key - 1] = below;
        if ((size_t)pr->value > i + 1 && (size_t)pr->value <= n && depth[pr->value - 1] < below)
          depth[pr->value - 1] = below;
      }
    }
    if (depth[i] > BS_MANIFEST_DEPTH_MAX)
      bad = x;
  }
  free(depth);
  return bad;
}

bs_status bs_manifest_parse(const char *buf, size_t len, const char *path,
                            const bs_manifest_options *opts, bs_manifest **out, bs_error *err)
{
  bs_manifest *m = bs_xcalloc(1, sizeof *m);
  m->path = bs_xstrdup(path ? path : "book.yaml");
  const char *slash = strrchr(m->path, '/');
  m->dir = slash ? bs_xstrndup(m->path, (size_t)(slash - m->path + 1)) : bs_xstrdup("");
  m->book = bs_node_new(BS_NODE_BOOK);
  bs_node_set_input(m->book, m->path);
  m->normalize = opts ? opts->normalize : true;
  m->lossy = opts && opts->lossy;
  ctx c = {m, opts, err, 0, BS_OK, 0, 0, NULL};
  size_t deep_at = 0;
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) {
    bs_manifest_free(m);
    return bs_error_set(err, BS_ERR_LIBRARY, path, 0, 0, "cannot start the YAML parser");
  }
  yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
  yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
  if (bs_utf8_validate(buf, len) != (size_t)-1) {
    size_t off = bs_utf8_validate(buf, len);
    int line = 1;
    for (size_t i = 0; i < off; i++)
      line += buf[i] == '\n';
    report(&c, BS_ERR_ENCODING, line, "the manifest is not valid UTF-8");
  } else if (bs_yaml_flow_depth(buf, len, BS_MANIFEST_DEPTH_MAX, &deep_at) > BS_MANIFEST_DEPTH_MAX) {
    int line = 1;
    for (size_t i = 0; i < deep_at; i++)
      line += buf[i] == '\n';
    report(&c, BS_ERR_LIMIT, line, "the manifest is nested deeper than %d levels",
           BS_MANIFEST_DEPTH_MAX);
  } else if (!yaml_parser_load(&parser, &m->doc)) {
    yaml_problem(&c, &parser);
  } else {
    m->have_doc = true;
    yaml_node_t *root = yaml_document_get_root_node(&m->doc);
    const yaml_node_t *deep = root ? too_deep(&m->doc) : NULL;
    if (deep) {
      report(&c, BS_ERR_LIMIT, line_of(deep), "the manifest is nested deeper than %d levels",
             BS_MANIFEST_DEPTH_MAX);
    } else if (!root) {
      report(&c, BS_ERR_SYNTAX, 1, "the manifest is empty");
    } else {
      yaml_document_t next;
      if (!yaml_parser_load(&parser, &next)) {
        yaml_problem(&c, &parser);
      } else {
        if (yaml_document_get_root_node(&next))
          report(&c, BS_ERR_SYNTAX, (int)next.start_mark.line + 1,
                 "more than one YAML document ('---') in the manifest");
        yaml_document_delete(&next);
      }
      if (c.nerr == 0)
        parse_book(&c, root);
    }
  }
  yaml_parser_delete(&parser);
  free(c.root);
  /* --keep-going: missing articles were reported; the book is made of the others */
  bool kept_going = opts && opts->keep_going && c.nerr == c.nmissing && m->narticles > 0;
  if (c.nerr && !kept_going) {
    bs_manifest_free(m);
    return c.first;
  }
  m->article_index = bs_xcalloc(m->narticles + 1, sizeof *m->article_index);
  for (size_t k = 0, i = 0; k < m->nentries; k++)
    if (!m->entries[k].is_part)
      m->article_index[i++] = k;
  split_volumes(m);
  if (bs_node_get_meta(m->book, BS_META_TITLE))
    m->title = bs_xstrdup(bs_node_get_meta(m->book, BS_META_TITLE));
  size_t dump_len;
  FILE *mf = open_memstream(&m->meta_dump, &dump_len);
  if (!mf)
    abort();
  bs_node_dump_json(m->book, mf, NULL);
  fclose(mf);
  *out = m;
  return BS_OK;
}

bs_status bs_manifest_load(const char *path, const bs_manifest_options *opts, bs_manifest **out,
                           bs_error *err)
{
  char *data = NULL;
  size_t len = 0;
  bs_error e;
  bs_error_clear(&e);
  bs_status st = bs_read_all(path, &data, &len, &e);
  if (st != BS_OK) {
    if (err)
      *err = e;
    if (opts && opts->report)
      opts->report(opts->report_user, &e);
    return st;
  }
  st = bs_manifest_parse(data, len, path, opts, out, err);
  free(data);
  return st;
}

/* ---- Reading the articles ---- */

/* The selected volume's chapters as entries, in book order: a part going on from the volume
 * before opens this one again. *n: how many. */
static size_t *volume_entries(const bs_manifest *m, size_t *n)
{
  size_t first = 0, end = m->nentries;
  long cont = -1;
  if (m->volume) {
    first = m->vols[m->volume - 1].first;
    end = m->vols[m->volume - 1].end;
    cont = m->vols[m->volume - 1].cont_part;
  }
  size_t *v = bs_xcalloc(end - first + 2, sizeof *v), k = 0;
  if (cont >= 0)
    v[k++] = (size_t)cont;
  for (size_t i = first; i < end; i++)
    v[k++] = i;
  *n = k;
  return v;
}


/* Warnings of one article, replayed in article order after the threads finish, so the
 * caller's callback needs no lock and the order does not depend on -j. */
typedef struct held {
  bs_error *v;
  size_t n;
} held;

static void hold_warning(void *user, const bs_error *w)
{
  held *h = user;
  h->v = bs_xrealloc(h->v, (h->n + 1) * sizeof *h->v);
  h->v[h->n++] = *w;
}

/* The reader's options for an article entry. */
static void article_options(const entry *e, bool normalize, bool lossy, bs_read_options *ro)
{
  bs_read_options_init(ro);
  ro->normalize = normalize;
  ro->lossy = lossy;
  ro->lang = e->ov.meta[BS_META_LANG];
}

/* An article's own error then names the manifest entry that brought it in (the same file may
 * be listed twice, or come through a glob). */
static void name_entry(bs_error *err, const bs_manifest *m, const entry *e)
{
  size_t used = strlen(err->message);
  snprintf(err->message + used, sizeof err->message - used, " (article at %s:%d)", m->path,
           e->line);
}

/* A part's divider: an empty document with the part tag, at the part's manifest line. */
static bs_node *part_doc(const bs_manifest *m, const entry *e)
{
  bs_node *doc = bs_node_new(BS_NODE_DOCUMENT);
  bs_node_add_meta_item(doc, BS_META_TAGS, BS_PART_TAG);
  bs_node_set_input(doc, m->path);
  bs_node_set_pos(doc, e->line, 0, -1);
  return doc;
}

typedef struct job {
  held *warn;
  bool keep;        /* false: each tree is freed as soon as it is read (a check) */
  bs_manifest *m;
  const bs_manifest_options *opts;
  entry **arts;
  bs_node **docs;
  bs_error *errs;
  bs_status *sts;
  size_t n, next;
  pthread_mutex_t lock;
} job;

static void read_one(job *j, size_t i)
{
  bs_read_options ro;
  article_options(j->arts[i], j->opts->normalize, j->opts->lossy, &ro);
  ro.diag = hold_warning;
  ro.diag_user = &j->warn[i];
  bs_error_clear(&j->errs[i]);
  j->sts[i] = bs_read_file(j->arts[i]->path, &ro, &j->docs[i], &j->errs[i]);
  if (!j->keep) {
    bs_node_free(j->docs[i]);
    j->docs[i] = NULL;
  }
}

static void *worker(void *arg)
{
  job *j = arg;
  for (;;) {
    pthread_mutex_lock(&j->lock);
    size_t i = j->next++;
    pthread_mutex_unlock(&j->lock);
    if (i >= j->n)
      return NULL;
    read_one(j, i);
  }
}

static void apply_override(bs_node *doc, const override *ov)
{
  for (int k = 0; k < BS_META_STRING_COUNT; k++)
    if (ov->meta[k])
      bs_node_set_meta(doc, (bs_meta_key)k, ov->meta[k]);
  if (ov->authors) {
    bs_node_clear_meta_list(doc, BS_META_AUTHORS);
    for (size_t i = 0; i < ov->nauthors; i++)
      bs_node_add_meta_item(doc, BS_META_AUTHORS, ov->authors[i]);
  }
}

static bs_status read_articles(bs_manifest *m, const bs_manifest_options *opts, bool keep,
                               bs_error *err);

bs_status bs_manifest_read_articles(bs_manifest *m, const bs_manifest_options *opts,
                                    bs_error *err)
{
  return read_articles(m, opts, true, err);
}

bs_status bs_manifest_check_articles(const bs_manifest *m, const bs_manifest_options *opts,
                                     bs_error *err)
{
  /* the book is not touched: nothing is kept and nothing attached */
  return read_articles((bs_manifest *)m, opts, false, err);
}

static bs_status read_articles(bs_manifest *m, const bs_manifest_options *opts, bool keep,
                               bs_error *err)
{
  bs_manifest_options def;
  if (!opts) {
    bs_manifest_options_init(&def);
    opts = &def;
  }
  ctx c = {m, opts, err, 0, BS_OK, 0, 0, NULL};
  if (keep) {
    m->read = false;
    m->normalize = opts->normalize;
    m->lossy = opts->lossy;
  }
  job j;
  memset(&j, 0, sizeof j);
  j.keep = keep;
  j.m = m;
  j.opts = opts;
  /* the selected volume's entries, or all */
  size_t nent, *ent = volume_entries(m, &nent);
  j.n = 0;
  for (size_t k = 0; k < nent; k++)
    j.n += !m->entries[ent[k]].is_part;
  j.arts = bs_xcalloc(j.n + 1, sizeof *j.arts);
  j.docs = bs_xcalloc(j.n + 1, sizeof *j.docs);
  j.errs = bs_xcalloc(j.n + 1, sizeof *j.errs);
  j.sts = bs_xcalloc(j.n + 1, sizeof *j.sts);
  j.warn = bs_xcalloc(j.n + 1, sizeof *j.warn);
  for (size_t k = 0, i = 0; k < nent; k++)
    if (!m->entries[ent[k]].is_part)
      j.arts[i++] = &m->entries[ent[k]];
  /* drop what an earlier call attached */
  bs_node *child;
  while (keep && (child = bs_node_first_child(m->book)))
    bs_node_free(child);
  size_t nthreads = opts->jobs > 1 ? (size_t)opts->jobs : 1;
  if (nthreads > j.n)
    nthreads = j.n;
  /* no warming up: each reader sets its library up once itself (read.h, thread safety) */
  pthread_mutex_init(&j.lock, NULL);
  pthread_t *th = bs_xcalloc(nthreads + 1, sizeof *th);
  size_t started = 0;
  if (nthreads > 1)
    for (; started < nthreads; started++)
      if (pthread_create(&th[started], NULL, worker, &j) != 0)
        break;
  if (started == 0)
    worker(&j);
  for (size_t t = 0; t < started; t++)
    pthread_join(th[t], NULL);
  free(th);
  pthread_mutex_destroy(&j.lock);
  size_t nread = 0;
  for (size_t i = 0; i < j.n; i++) {
    for (size_t w = 0; w < j.warn[i].n; w++)
      if (opts->diag)
        opts->diag(opts->diag_user, &j.warn[i].v[w]);
    free(j.warn[i].v);
    if (j.sts[i] != BS_OK) {
      /* the error is the article's own (its file and line); the manifest line says which
       * entry brought it in, when the same file is listed twice or through a glob */
      name_entry(&j.errs[i], m, j.arts[i]);
      report_error(&c, &j.errs[i]);
    } else {
      nread++;
    }
  }
  free(j.warn);
  bool ok = c.nerr == 0 || (opts->keep_going && nread > 0);
  if (ok && keep) {
    size_t i = 0;
    for (size_t k = 0; k < nent; k++) {
      entry *e = &m->entries[ent[k]];
      bs_node *doc;
      if (e->is_part) {
        doc = part_doc(m, e);
      } else {
        doc = j.docs[i];
        j.docs[i++] = NULL;
        if (!doc)
          continue; /* kept going past it */
      }
      apply_override(doc, &e->ov);
      bs_node_append_child(m->book, doc);
    }
    bs_book_settle_lang(m->book);
    volume_meta(m);
    m->read = true;
  }
  for (size_t i = 0; i < j.n; i++)
    bs_node_free(j.docs[i]);
  free(ent);
  free(j.arts);
  free(j.docs);
  free(j.errs);
  free(j.sts);
  return ok ? BS_OK : c.first;
}


/* ---- The articles one at a time (bs_manifest_source) ---- */

bool bs_manifest_articles_read(const bs_manifest *m) { return m->read; }


char *bs_figure_path(const char *src, const char *input)
{
  if (!src || strstr(src, "://"))
    return NULL;
  bs_buf p = BS_BUF_INIT;
  const char *slash = input && src[0] != '/' ? strrchr(input, '/') : NULL;
  if (slash)
    bs_buf_printf(&p, "%.*s/%s", slash == input ? 0 : (int)(slash - input), input, src);
  else if (input && src[0] != '/')
    bs_buf_printf(&p, "./%s", src);
  else
    bs_buf_puts(&p, src);
  return bs_buf_detach(&p);
}

struct bs_manifest_source {
  const bs_manifest *m;
  bs_node *book;       /* the metadata; a lent chapter is its child (it inherits the language) */
  size_t *ent;         /* each chapter's entry */
  bool *seen;          /* read once already: its warnings were given, its figures noted */
  bs_diag_fn diag;
  void *diag_user;
  char **images;
  size_t nimages, cimages;
  bs_chapter_source cs;
};

static void add_image(void *user, char *path)
{
  bs_manifest_source *s = user;
  if (s->nimages == s->cimages) {
    s->cimages = s->cimages ? s->cimages * 2 : 16;
    s->images = bs_xrealloc(s->images, s->cimages * sizeof *s->images);
  }
  s->images[s->nimages++] = path;
}

void bs_figure_paths(const bs_node *root, void (*add)(void *, char *), void *user)
{
  bs_iter *it = bs_iter_new((bs_node *)root); /* read only */
  bs_event ev;
  while ((ev = bs_iter_next(it)) != BS_EVENT_DONE) {
    bs_node *n = bs_iter_get_node(it);
    if (ev != BS_EVENT_ENTER || bs_node_get_type(n) != BS_NODE_FIGURE)
      continue;
    char *p = bs_figure_path(bs_node_get_src(n), bs_node_get_input(n));
    if (p)
      add(user, p);
  }
  bs_iter_free(it);
}

static bs_status source_get(void *user, size_t i, const bs_node **out, bs_error *err)
{
  bs_manifest_source *s = user;
  const bs_manifest *m = s->m;
  *out = NULL;
  if (i >= s->cs.count)
    return bs_error_set(err, BS_ERR_ARGUMENT, m->path, 0, 0, "no chapter %zu", i + 1);
  const entry *e = &m->entries[s->ent[i]];
  bs_node *doc;
  if (e->is_part) {
    doc = part_doc(m, e);
  } else {
    bs_read_options ro;
    article_options(e, m->normalize, m->lossy, &ro);
    if (!s->seen[i]) { /* read again, it says again what it said */
      ro.diag = s->diag;
      ro.diag_user = s->diag_user;
    }
    bs_error rerr;
    bs_error_clear(&rerr);
    bs_status st = bs_read_file(e->path, &ro, &doc, &rerr);
    if (st != BS_OK) {
      name_entry(&rerr, m, e);
      if (err)
        *err = rerr;
      return st;
    }
  }
  apply_override(doc, &e->ov);
  bs_node_append_child(s->book, doc);
  if (!s->seen[i])
    bs_figure_paths(doc, add_image, s);
  s->seen[i] = true;
  *out = doc;
  return BS_OK;
}

static void source_put(void *user, size_t i, const bs_node *doc)
{
  (void)user, (void)i;
  bs_node_free((bs_node *)doc); /* ours: made by source_get */
}

/* A copy of the book's metadata (strings, lists, language, input). */
static bs_node *copy_book_meta(const bs_node *from)
{
  bs_node *b = bs_node_new(BS_NODE_BOOK);
  for (int k = 0; k < BS_META_STRING_COUNT; k++)
    bs_node_set_meta(b, (bs_meta_key)k, bs_node_get_meta(from, (bs_meta_key)k));
  for (int k = 0; k < BS_META_LIST_COUNT; k++)
    for (size_t i = 0; i < bs_node_get_meta_count(from, (bs_meta_list_key)k); i++)
      bs_node_add_meta_item(b, (bs_meta_list_key)k,
                            bs_node_get_meta_item(from, (bs_meta_list_key)k, i));
  if (bs_node_get_lang(from))
    bs_node_set_lang(b, bs_node_get_lang(from));
  bs_node_set_input(b, bs_node_get_input(from));
  return b;
}

bs_status bs_manifest_source_new(const bs_manifest *m, bs_diag_fn diag, void *diag_user,
                                 bs_manifest_source **out, bs_error *err)
{
  *out = NULL;
  bs_manifest_source *s = bs_xcalloc(1, sizeof *s);
  s->m = m;
  s->diag = diag;
  s->diag_user = diag_user;
  s->ent = volume_entries(m, &s->cs.count);
  s->seen = bs_xcalloc(s->cs.count + 1, sizeof *s->seen);
  s->cs.get = source_get;
  s->cs.put = source_put;
  s->cs.user = s;
  s->book = copy_book_meta(m->book);
  /* the book's language is its first article's that names one, unless it says (as
   * bs_book_settle_lang): read until one does; the writer reads them again */
  for (size_t i = 0; i < s->cs.count && !bs_node_get_meta(s->book, BS_META_LANG); i++) {
    if (m->entries[s->ent[i]].is_part)
      continue;
    const bs_node *doc;
    bs_status st = source_get(s, i, &doc, err);
    if (st != BS_OK) {
      bs_manifest_source_free(s);
      return st;
    }
    const char *lang = bs_node_get_meta(doc, BS_META_LANG);
    if (lang)
      bs_node_set_meta(s->book, BS_META_LANG, lang);
    source_put(s, i, doc);
  }
  volume_meta_on(m, s->book);
  *out = s;
  return BS_OK;
}

void bs_manifest_source_free(bs_manifest_source *s)
{
  if (!s)
    return;
  bs_node_free(s->book);
  free(s->ent);
  free(s->seen);
  for (size_t i = 0; i < s->nimages; i++)
    free(s->images[i]);
  free(s->images);
  free(s);
}

const bs_node *bs_manifest_source_book(const bs_manifest_source *s) { return s->book; }
const bs_chapter_source *bs_manifest_source_chapters(const bs_manifest_source *s)
{
  return &s->cs;
}
size_t bs_manifest_source_image_count(const bs_manifest_source *s) { return s->nimages; }
const char *bs_manifest_source_image(const bs_manifest_source *s, size_t i)
{
  return i < s->nimages ? s->images[i] : NULL;
}

static void put_str(void (*put)(void *, const void *, size_t), void *user, const char *str)
{
  put(user, str ? str : "(null)", strlen(str ? str : "(null)") + 1);
}

void bs_put_file(void (*put)(void *, const void *, size_t), void *user, const char *path)
{
  FILE *f = fopen(path, "rb");
  if (!f) {
    put_str(put, user, "(missing)");
    return;
  }
  char chunk[65536];
  size_t got;
  while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
    put(user, chunk, got);
  fclose(f);
}

void bs_manifest_hash_sources(const bs_manifest *m, void (*put)(void *, const void *, size_t),
                              void *user)
{
  char buf[128];
  snprintf(buf, sizeof buf, "normalize %d lossy %d volume %zu\n", m->normalize, m->lossy,
           m->volume);
  put_str(put, user, buf);
  put_str(put, user, m->meta_dump);
  size_t n, *ent = volume_entries(m, &n);
  for (size_t i = 0; i < n; i++) {
    const entry *e = &m->entries[ent[i]];
    put_str(put, user, e->is_part ? "part" : e->path);
    for (int k = 0; k < BS_META_STRING_COUNT; k++)
      put_str(put, user, e->ov.meta[k]);
    snprintf(buf, sizeof buf, "%d %zu", e->ov.authors != NULL, e->ov.nauthors);
    put_str(put, user, buf);
    for (size_t a = 0; a < e->ov.nauthors; a++)
      put_str(put, user, e->ov.authors[a]);
    if (!e->is_part)
      bs_put_file(put, user, e->path);
  }
  free(ent);
}

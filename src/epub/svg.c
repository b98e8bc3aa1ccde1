/* SVG images are sanitized before they are packed (issue #20): an SVG is a document a reading
 * system may run, so scripts, event handlers and references out of the file are removed and
 * the book never needs the `scripted` property (epubcheck OPF-014) nor names a resource it
 * does not hold (RSC-007). libxml2 parses it without the network, without loading a DTD and
 * without expanding entities (the internal subset goes, entity references with it). */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "epub-impl.h"

/* Elements removed with everything in them: scripts, SVG Tiny's handlers and listeners, and
 * what embeds another document (inside <foreignObject>). */
static const char *const dropped[] = {"script", "handler", "listener", "iframe", "frame",
                                      "object", "embed", "applet", "base", "meta", "link", NULL};

static bool listed(const char *name, const char *const *list)
{
  for (; *list; list++)
    if (!strcasecmp(name, *list))
      return true;
  return false;
}

static const char *skip_space(const char *s)
{
  while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f')
    s++;
  return s;
}

/* A reference that stays in the file: a fragment, or image data in the document itself. */
static bool local_ref(const char *v)
{
  v = skip_space(v);
  return *v == '#' || !strncasecmp(v, "data:image/png", 14) ||
         !strncasecmp(v, "data:image/jpeg", 15) || !strncasecmp(v, "data:image/gif", 14);
}

/* CSS (a style attribute or element, a presentation attribute's value): every url() a
 * fragment or inline image; no @import, no expression(), no javascript:. */
static bool safe_css(const char *v)
{
  for (const char *p = v; *p; p++) {
    if (!strncasecmp(p, "url(", 4)) {
      const char *u = skip_space(p + 4);
      if (*u == '"' || *u == '\'')
        u++;
      if (!local_ref(u))
        return false;
    }
    if (!strncasecmp(p, "@import", 7) || !strncasecmp(p, "expression(", 11) ||
        !strncasecmp(p, "javascript:", 11))
      return false;
  }
  return true;
}

static bool unsafe_attr(const xmlAttr *a)
{
  const char *name = (const char *)a->name;
  if (!strncasecmp(name, "on", 2))
    return true; /* event handlers: onload, onclick, … */
  for (const xmlNode *k = a->children; k; k = k->next)
    if (k->type != XML_TEXT_NODE)
      return true; /* an entity reference: its entity goes with the DTD */
  xmlChar *v = xmlNodeListGetString(a->doc, a->children, 0);
  const char *val = v ? (const char *)v : "";
  bool bad;
  if (!strcasecmp(name, "href") || !strcasecmp(name, "src"))
    bad = !local_ref(val); /* href, xlink:href: other files, the web, javascript: */
  else if (!strcasecmp(name, "base") && a->ns) /* xml:base */
    bad = true;
  else
    bad = !safe_css(val);
  xmlFree(v);
  return bad;
}

/* <set>/<animate> that would change a link or a handler (attributeName="href"). */
static bool animates_link(const xmlNode *n)
{
  xmlChar *an = xmlGetProp(n, (const xmlChar *)"attributeName");
  bool bad = an && (strstr((const char *)an, "href") || !strncasecmp((const char *)an, "on", 2));
  xmlFree(an);
  return bad;
}

/* The node after `n`'s subtree in document order, within root. */
static xmlNode *following(xmlNode *n, const xmlNode *root)
{
  for (; n && n != root; n = n->parent)
    if (n->next)
      return n->next;
  return NULL;
}

/* Removes what is unsafe under `root`, iteratively (no recursion on deep files); returns the
 * number of nodes and attributes removed. */
static size_t clean_tree(xmlNode *root)
{
  size_t removed = 0;
  xmlNode *n = root;
  while (n) {
    xmlNode *next = NULL;
    bool drop = false;
    if (n->type == XML_ELEMENT_NODE && n != root && !strcasecmp((const char *)n->name, "a")) {
      /* a link: its content stays, the link goes (inert in an image shown with <img>, and
       * epubcheck asks a title of every SVG link, ACC-011); the moved content is visited next */
      xmlNode *prev = n->prev, *parent = n->parent;
      while (n->children) {
        xmlNode *k = n->children;
        xmlUnlinkNode(k);
        xmlAddPrevSibling(n, k); /* may merge text into its neighbour */
      }
      next = prev ? prev->next : parent->children;
      if (next == n) /* nothing was moved out (or all of it merged into prev) */
        next = following(n, root);
      xmlUnlinkNode(n);
      xmlFreeNode(n);
      removed++;
      n = next;
      continue;
    }
    if (n->type == XML_ELEMENT_NODE) {
      const char *name = (const char *)n->name;
      drop = listed(name, dropped) ||
             ((!strcasecmp(name, "set") || !strncasecmp(name, "animate", 7)) && animates_link(n));
      if (!strcasecmp(name, "style") && !drop) {
        xmlChar *css = xmlNodeGetContent(n);
        drop = css && !safe_css((const char *)css);
        xmlFree(css);
      }
      for (xmlAttr *a = drop ? NULL : n->properties, *an; a; a = an) {
        an = a->next;
        if (unsafe_attr(a)) {
          xmlRemoveProp(a);
          removed++;
        }
      }
    } else if (n->type == XML_ENTITY_REF_NODE || n->type == XML_PI_NODE ||
               n->type == XML_XINCLUDE_START || n->type == XML_XINCLUDE_END) {
      drop = true;
    }
    next = !drop && n->children && n->type == XML_ELEMENT_NODE ? n->children : following(n, root);
    if (drop && n != root) {
      xmlUnlinkNode(n);
      xmlFreeNode(n);
      removed++;
    }
    n = next;
  }
  return removed;
}

bs_status bs_epub_svg_clean(const char *data, size_t len, const char *input, int line,
                            const char *src, char **out, size_t *out_len, size_t *removed,
                            bs_error *err)
{
  *out = NULL;
  *out_len = 0;
  *removed = 0;
  if (len > INT_MAX)
    return bs_error_set(err, BS_ERR_LIMIT, input, line, 0, "image '%s' is too large", src);
  bs_libxml_init();
  xmlResetLastError();
  xmlDoc *doc = xmlReadMemory(data, (int)len, NULL, NULL,
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
  if (!root || strcmp((const char *)root->name, "svg")) {
    const xmlError *xe = xmlGetLastError();
    bs_status st;
    if (!doc && xe && xe->message && strstr(xe->message, "Excessive depth"))
      st = bs_error_set(err, BS_ERR_IMAGE, input, line, 0,
                        "image '%s' is nested deeper than libxml2's limit (256 levels)", src);
    else if (!doc && xe && xe->message)
      st = bs_error_set(err, BS_ERR_IMAGE, input, line, 0,
                        "image '%s' is not well-formed SVG: line %d: %.*s", src, xe->line,
                        (int)strcspn(xe->message, "\n"), xe->message);
    else
      st = bs_error_set(err, BS_ERR_IMAGE, input, line, 0, "image '%s' is not an SVG document",
                        src);
    xmlFreeDoc(doc);
    return st;
  }
  *removed += clean_tree(root);
  for (xmlNode *k = doc->children, *kn; k; k = kn) { /* <?xml-stylesheet?> and the like */
    kn = k->next;
    if (k->type == XML_PI_NODE) {
      xmlUnlinkNode(k);
      xmlFreeNode(k);
      (*removed)++;
    }
  }
  /* the DTD's internal subset may define entities (a bomb, an external file): it goes, after
   * every reference to an entity went with the tree's cleaning */
  xmlDtd *dtd = xmlGetIntSubset(doc);
  if (dtd) {
    xmlUnlinkNode((xmlNode *)dtd);
    xmlFreeDtd(dtd);
  }
  xmlChar *mem = NULL;
  int n = 0;
  xmlDocDumpMemoryEnc(doc, &mem, &n, "UTF-8");
  xmlFreeDoc(doc);
  if (!mem || n <= 0) {
    xmlFree(mem);
    return bs_error_set(err, BS_ERR_LIBRARY, input, line, 0, "image '%s': libxml2 could not "
                        "write the SVG", src);
  }
  *out = bs_xstrndup((const char *)mem, (size_t)n);
  *out_len = (size_t)n;
  xmlFree(mem);
  return BS_OK;
}

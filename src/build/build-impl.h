/* Build internals shared by manifest.c (the book project, its chapter source) and output.c
 * (building one output). */
#ifndef BS_BUILD_IMPL_H
#define BS_BUILD_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "bisheng/manifest.h"

/* True once bs_manifest_read_articles has filled the book with the selected volume. */
bool bs_manifest_articles_read(const bs_manifest *m);

/* Feeds `put` everything the selected volume's book is made from, without reading it as a
 * tree: the book's metadata as loaded, the readers' options, the volume, and each chapter's
 * entry (a part's metadata; an article's path, overrides and bytes). The change hash. */
void bs_manifest_hash_sources(const bs_manifest *m, void (*put)(void *, const void *, size_t),
                              void *user);

/* The images the chapters given so far show, resolved as the writers resolve them (beside
 * their article), each once per figure: the outputs' sidecars list them. */
size_t bs_manifest_source_image_count(const bs_manifest_source *s);
const char *bs_manifest_source_image(const bs_manifest_source *s, size_t i);

/* `src` beside the folder of `input` (or as is when absolute, or without an input): a new
 * string, NULL for a URL. */
char *bs_figure_path(const char *src, const char *input);

/* The bytes of the file at `path` to `put` ("(missing)" when it cannot be read). */
void bs_put_file(void (*put)(void *, const void *, size_t), void *user, const char *path);

/* Each figure's image path under `root` (bs_figure_path), handed to `add`, which owns it. */
void bs_figure_paths(const bs_node *root, void (*add)(void *, char *), void *user);

#endif

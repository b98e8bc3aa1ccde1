/* LD_PRELOAD shim for t-exit-internal.sh: every PDF surface Cairo is asked for is an error
 * surface, so the library fails the way it would if Cairo itself broke (exit status 3). */
#include <cairo.h>
#include <stdio.h>

static cairo_surface_t *broken(void)
{
  return cairo_image_surface_create((cairo_format_t)-2, 1, 1);
}

cairo_surface_t *cairo_pdf_surface_create_for_stream(cairo_write_func_t w, void *c, double x,
                                                     double y);
cairo_surface_t *cairo_pdf_surface_create_for_stream(cairo_write_func_t w, void *c, double x,
                                                     double y)
{
  (void)w, (void)c, (void)x, (void)y;
  return broken();
}

cairo_surface_t *cairo_pdf_surface_create(const char *f, double x, double y);
cairo_surface_t *cairo_pdf_surface_create(const char *f, double x, double y)
{
  (void)f, (void)x, (void)y;
  return broken();
}

/* bisheng: status codes, errors with positions, and warnings.
 *
 * Every fallible call returns a bs_status and takes a `bs_error *err` last (NULL allowed).
 * On failure it fills `err` with the code, the input path, line, column, byte offset and a
 * message; bs_error_format turns that into the one-line `file:line:col: message` users see.
 * Warnings go to a bs_diag callback with the same location. */
#ifndef BISHENG_ERROR_H
#define BISHENG_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef BS_API
#define BS_API __attribute__((visibility("default")))
#endif

typedef enum {
  BS_OK = 0,
  BS_ERR_IO,          /* a file could not be read or written */
  BS_ERR_ENCODING,    /* input is not valid UTF-8 (or a supported encoding) */
  BS_ERR_SYNTAX,      /* input is malformed */
  BS_ERR_UNSUPPORTED, /* a format or feature we do not handle */
  BS_ERR_LIMIT,       /* a documented limit was exceeded */
  BS_ERR_FONT,        /* no usable font */
  BS_ERR_IMAGE,       /* an image is missing, unsafe or undecodable */
  BS_ERR_LIBRARY,     /* a library under us failed */
  BS_ERR_ARGUMENT,    /* the caller passed something invalid */
  BS_NOTE             /* never returned: a diagnostic that is information, not a problem */
} bs_status;

enum { BS_ERROR_MESSAGE_MAX = 512, BS_ERROR_PATH_MAX = 1024 };

typedef struct bs_error {
  bs_status code;
  char path[BS_ERROR_PATH_MAX]; /* input file, "" when unknown, "-" for stdin */
  int line;                      /* 1-based, 0 when unknown */
  int column;                    /* 1-based in characters, 0 when unknown */
  long long offset;              /* byte offset from the start of the input, -1 unknown */
  char message[BS_ERROR_MESSAGE_MAX];
} bs_error;

/* Clears `err` to BS_OK with no position. NULL is a no-op. */
BS_API void bs_error_clear(bs_error *err);

/* Removes the temporary files of the outputs being written (a writer writes beside its
 * output and renames on success). Async-signal-safe: for a SIGINT/SIGTERM/SIGHUP handler,
 * which should then re-raise the signal. */
BS_API void bs_remove_temporaries(void);

/* Fills `err` (if not NULL) and returns `code`, so callers can `return bs_error_set(...)`.
 * `path` may be NULL. `fmt` is printf-style. */
BS_API bs_status bs_error_set(bs_error *err, bs_status code, const char *path, int line,
                              int column, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Writes the one-line form `path:line:col: message` (parts that are unknown are left out)
 * into `out` (size `size`, always NUL-terminated) and returns `out`. */
BS_API char *bs_error_format(const bs_error *err, char *out, size_t size);

/* A short English name of a status ("I/O error", "encoding error", ...). Never NULL. */
BS_API const char *bs_status_string(bs_status code);

/* Warning callback: `w->code` is the category, the rest as for errors; BS_NOTE marks a note
 * (what the library did that the user should know, such as a chapter set in the other
 * direction), which a caller shows but does not count as a warning. Borrowed for the call
 * only. */
typedef void (*bs_diag_fn)(void *user, const bs_error *w);

/* Progress of a writer, reported after each chapter (and once at the start, done = 0) on the
 * writing thread. For a progress bar; the numbers only grow. The PDF writer reports once more
 * when the file is complete: then `pages` is the number of pages in the file. */
typedef struct bs_progress {
  size_t done;     /* chapters finished */
  size_t total;    /* chapters in the book (1 for a single document) */
  int pages;       /* pages set so far (PDF; 0 for EPUB) */
  long long bytes; /* bytes of output produced so far, when known (else 0) */
} bs_progress;
typedef void (*bs_progress_fn)(void *user, const bs_progress *p);

#ifdef __cplusplus
}
#endif
#endif

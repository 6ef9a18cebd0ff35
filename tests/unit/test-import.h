/* Helpers shared by the import reader's tests (test-import*.c, defined in
 * test-import.c): run a reader over a string, a file or a pipe, and write
 * what it returns as text, one line per record or error. */
#ifndef NSX_TEST_IMPORT_H
#define NSX_TEST_IMPORT_H

#include <stddef.h>

#include "target/import.h"

/* One record as "TARGET[ PORT/PROTO STATE[ REASON]][ svc=NAME][ banner=
 * TYPE][ user=NAME][ ptr=NAME]", in 'buf'. Returns 'buf'. */
const char *imp_rec_text(const struct nsx_import_rec *r, char *buf,
                         size_t len);

/* Feeds 'len' bytes of 'text' to a reader 'chunk' bytes at a time (all at
 * once if 0) and returns every record and error, each on its own line
 * (errors as "error: MESSAGE"). The string is malloc'd. */
char *imp_dump(enum nsx_import_format fmt, const char *text, size_t len,
               size_t chunk);

/* The same for a NUL-terminated string fed whole. */
char *imp_dump_str(enum nsx_import_format fmt, const char *text);

/* The same, reading from 'fd'. */
char *imp_dump_fd(int fd, enum nsx_import_format fmt);

/* The path of tests/fixtures/import/NAME (static buffer). */
const char *imp_fixture(const char *name);

/* The whole file at 'path', malloc'd, with its length in '*len'. */
char *imp_slurp(const char *path, size_t *len);

/* How many lines of 'dump' start with 'prefix'. */
size_t imp_count(const char *dump, const char *prefix);

#endif

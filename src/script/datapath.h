/* The data path: the ordered list of directories in which nsx looks for
 * scripts/, nselib/ and the nmap-* data files (spec/libs.md §2). This file
 * builds the list and answers "where is <rel>?"; what is looked up, and the
 * extra current-directory step of script selection, belong to the callers. */
#ifndef NSX_DATAPATH_H
#define NSX_DATAPATH_H

#include <stddef.h>

enum { NSX_DATAPATH_MAX = 6 };

/* What a path names, as far as nsx cares. A file is a readable regular
 * file; a directory is a readable directory; anything else (missing,
 * unreadable, a socket or FIFO) is NSX_PATH_NONE. */
enum nsx_path_kind { NSX_PATH_NONE, NSX_PATH_FILE, NSX_PATH_DIR };

/* The directories, first one searched first: --datadir, $NMAPDIR, ~/.nmap,
 * the executable's directory, <exe dir>/../share/nmap and NSX_DEFAULT_DATADIR.
 * Unset ones are left out and a directory already listed is not listed
 * again. Each entry is absolute, without a trailing '/', and owned. */
struct nsx_datapath {
  char *dirs[NSX_DATAPATH_MAX];
  size_t n;
};

/* Fills 'dp'. 'datadir_opt' is the --datadir value or NULL; 'argv0' is
 * main's argv[0] or NULL. The executable is located from 'argv0' when it
 * holds a '/', else from /proc/self/exe. A relative directory is made
 * absolute against the current directory now, so a later chdir does not
 * change the path. Directories need not exist. Returns 0, or -ENOMEM with
 * 'dp' left empty (and safe to free). */
int nsx_datapath_init(struct nsx_datapath *dp, const char *datadir_opt,
                      const char *argv0);

/* Frees the directories; 'dp' is left empty. */
void nsx_datapath_free(struct nsx_datapath *dp);

/* Classifies 'path' as a readable regular file, a readable directory, or
 * neither (see enum nsx_path_kind). */
enum nsx_path_kind nsx_path_kind(const char *path);

/* The first "<dir>/<rel>" along the path that is a readable regular file,
 * as a malloc'd absolute path the caller frees. An absolute 'rel' is checked
 * as given and never joined. Returns NULL if there is none (errno ENOENT)
 * or on out of memory (errno ENOMEM). */
char *nsx_datapath_find(const struct nsx_datapath *dp, const char *rel);

/* Like nsx_datapath_find, for a readable directory. */
char *nsx_datapath_find_dir(const struct nsx_datapath *dp, const char *rel);

/* Like nsx_datapath_find, but the first hit that is either a file or a
 * directory wins, the way Nmap's own lookup works; '*kind' says which (and
 * is NSX_PATH_NONE when NULL is returned). */
char *nsx_datapath_lookup(const struct nsx_datapath *dp, const char *rel,
                          enum nsx_path_kind *kind);

#endif

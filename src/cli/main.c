/* nsx: runs Nmap Scripting Engine scripts on an event-driven engine.
 * main() wires the pieces together: options, data path, port list, the
 * engine and its Lua state, script selection and loading, outputs, and
 * the scan. Problems with one script or target are reported in one line
 * and the rest goes on; only a scan that cannot start at all fails. */
#include <errno.h>
#include <lauxlib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/options.h"
#include "engine/engine.h"
#include "engine/progress.h"
#include "engine/scan.h"
#include "engine/targets.h"
#include "output/out.h"
#include "script/args.h"
#include "script/datapath.h"
#include "script/loader.h"
#include "script/select.h"
#include "target/portspec.h"
#include "target/services.h"

enum {
  EXIT_CLEAN = 0,
  EXIT_REJECTED = 1,
  EXIT_FAILED = 2,
  EXIT_INTERRUPTED = 130   /* 128 + SIGINT, as shells report it */
};

static void close_handle(uv_handle_t *h, void *arg) {
  (void)arg;
  if (!uv_is_closing(h)) uv_close(h, NULL);
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  size_t len = 0, cap = 0, n;

  if (!f) return NULL;
  do {
    if (cap - len < 4096) {
      char *p = realloc(buf, cap = cap ? cap * 2 : 8192);
      if (!p) {
        free(buf);
        fclose(f);
        return NULL;
      }
      buf = p;
    }
    n = fread(buf + len, 1, cap - len - 1, f);
    len += n;
  } while (n > 0);
  fclose(f);
  buf[len] = '\0';
  return buf;
}

static char *join_args(int argc, char **argv) {
  size_t len = 1;
  char *s, *p;

  for (int i = 0; i < argc; i++) len += strlen(argv[i]) + 1;
  if (!(s = p = malloc(len))) return NULL;
  for (int i = 0; i < argc; i++) {
    size_t n = strlen(argv[i]);
    memcpy(p, argv[i], n);
    p += n;
    *p++ = i + 1 < argc ? ' ' : '\0';
  }
  if (argc == 0) *s = '\0';
  return s;
}

enum out_kind { OUT_NORMAL, OUT_XML, OUT_JSON };

/* Opens one output file and adds its writer; '-' is stdout. Returns 0, or
 * -1 after a one-line message. */
static int add_output(struct nsx_output *out, enum out_kind kind,
                      const char *path, const char *opt) {
  FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
  int own = f != stdout, rc;

  if (!f) {
    fprintf(stderr, "nsx: cannot open '%s' for %s: %s\n", path, opt,
            strerror(errno));
    return -1;
  }
  rc = nsx_out_add(out, kind == OUT_XML    ? &nsx_out_xml
                      : kind == OUT_JSON ? &nsx_out_json
                                         : &nsx_out_normal, f, own, 0);
  if (rc < 0) {
    fprintf(stderr, "nsx: too many outputs\n");
    if (own) fclose(f);
  }
  return rc;
}

/* The screen output, unless a file output goes to stdout instead (as in
 * Nmap), then -oN, -oX, -oJ and the three files of -oA. Returns 0, or -1
 * after a one-line message. */
static int setup_outputs(struct nsx_output *out, const struct nsx_cli *cli) {
  static const char *const opts[] = {"-oN", "-oX", "-oJ"};
  static const char *const exts[] = {".nmap", ".xml", ".jsonl"};
  const char *files[] = {cli->normal_file, cli->xml_file, cli->json_file};
  int to_stdout = 0;

  for (int k = OUT_NORMAL; k <= OUT_JSON; k++)
    to_stdout |= files[k] && strcmp(files[k], "-") == 0;
  if (!to_stdout) nsx_out_add(out, &nsx_out_normal, stdout, 0, 1);
  for (int k = OUT_NORMAL; k <= OUT_JSON; k++)
    if (files[k] && add_output(out, (enum out_kind)k, files[k], opts[k]) < 0)
      return -1;
  for (int k = OUT_NORMAL; cli->all_base && k <= OUT_JSON; k++) {
    size_t len = strlen(cli->all_base) + strlen(exts[k]) + 1;
    char *path = malloc(len);
    int rc;
    if (!path) {
      fprintf(stderr, "nsx: out of memory\n");
      return -1;
    }
    snprintf(path, len, "%s%s", cli->all_base, exts[k]);
    rc = add_output(out, (enum out_kind)k, path, "-oA");
    free(path);
    if (rc < 0) return -1;
  }
  return 0;
}

/* Parses the script arguments into nmap.registry.args. */
static int setup_args(struct nsx_engine *E, const struct nsx_cli *cli) {
  char err[512], *file = NULL;
  lua_State *L = E->L;
  int rc;

  if (cli->script_args_file && !(file = slurp(cli->script_args_file))) {
    fprintf(stderr, "nsx: cannot read --script-args-file '%s'\n",
            cli->script_args_file);
    return -1;
  }
  rc = nsx_args_load(L, file, cli->script_args, err, sizeof err);
  free(file);
  if (rc < 0) {
    fprintf(stderr, "nsx: %s\n", err);
    return -1;
  }
  lua_rawgeti(L, LUA_REGISTRYINDEX, E->registry_ref);
  lua_insert(L, -2);
  lua_setfield(L, -2, "args");
  lua_pop(L, 1);
  return 0;
}

/* Selects and loads the scripts. Returns the number of scripts that were
 * rejected, or -1 if selection itself failed. */
static int setup_scripts(struct nsx_engine *E, const char *rules) {
  struct nsx_selection sel;
  char err[2048];
  int rejected = 0;

  if (!rules) return 0;
  if (nsx_select(E->L, E->dp, rules, 0, &sel, err, sizeof err) < 0) {
    fprintf(stderr, "nsx: %s\n", err);
    return -1;
  }
  for (size_t i = 0; i < sel.nwarnings; i++)
    fprintf(stderr, "nsx: warning: %s\n", sel.warnings[i]);
  E->scripts = calloc(sel.n ? sel.n : 1, sizeof *E->scripts);
  if (!E->scripts) {
    nsx_selection_free(&sel);
    return -1;
  }
  for (size_t i = 0; i < sel.n; i++) {
    struct nsx_script *s = &E->scripts[E->nscripts];
    int rc;
    memset(s, 0, sizeof *s);
    s->factory_ref = LUA_NOREF;
    s->path = strdup(sel.v[i].path);
    s->id = strdup(sel.v[i].id);
    s->by_name = sel.v[i].by_name;
    s->forced = sel.v[i].forced;
    rc = nsx_script_load(E->L, s, err, sizeof err);
    if (rc == 0) {
      E->nscripts++;
      continue;
    }
    if (rc > 0)
      nsx_verbose(E, 1, "Failed to load '%s'.", s->path);
    else {
      fprintf(stderr, "nsx: script '%s' not loaded: %s\n", s->id, err);
      rejected++;
    }
    nsx_script_free(E->L, s);
  }
  nsx_selection_free(&sel);
  if (nsx_scripts_runlevels(E->scripts, E->nscripts, &E->nrunlevels, err,
                            sizeof err) < 0) {
    fprintf(stderr, "nsx: %s\n", err);
    return -1;
  }
  if (E->nrunlevels < 1) E->nrunlevels = 1;
  nsx_verbose(E, 1, "Loaded %zu scripts for scanning.", E->nscripts);
  return rejected;
}

/* --script-help: each script's id, categories, NSEDoc address and
 * description (every line indented by two spaces), as Nmap prints them. */
static void script_help(struct nsx_engine *E) {
  char when[64];
  time_t now = time(NULL);

  strftime(when, sizeof when, "%Y-%m-%d %H:%M %Z", localtime(&now));
  printf("Starting nsx %s at %s\n", NSX_VERSION, when);
  for (size_t i = 0; i < E->nscripts; i++) {
    const struct nsx_script *s = &E->scripts[i];
    const char *p = s->description;
    printf("\n%s\nCategories: ", s->id);
    for (size_t k = 0; k < s->ncategories; k++)
      printf("%s%s", k ? " " : "", s->categories[k]);
    printf("\nhttps://nmap.org/nsedoc/scripts/%s.html\n", s->id);
    while (p && *p) {
      size_t n = strcspn(p, "\n");
      if (n) printf("  %.*s", (int)n, p);
      if (p[n]) putchar('\n');
      p += n + (p[n] != '\0');
    }
  }
  fflush(stdout);
}

int main(int argc, char **argv) {
  struct nsx_cli cli;
  struct nsx_datapath dp;
  struct nsx_engine E;
  struct nsx_output out;
  struct nsx_portlist ports;
  struct nsx_scan_setup setup;
  struct nsx_tsource *ts = NULL;
  uv_loop_t loop;
  char err[1024], *path, *rules = NULL;
  size_t nofile;
  int rejected = 0, rc = EXIT_FAILED;

  signal(SIGPIPE, SIG_IGN);
  if (nsx_cli_parse(&cli, argc, argv, err, sizeof err) < 0) {
    fprintf(stderr, "nsx: %s\nSee 'nsx --help'.\n", err);
    free(cli.targets);
    return EXIT_FAILED;
  }
  if (cli.help || cli.version) {
    if (cli.help)
      nsx_cli_usage(stdout);
    else
      printf("nsx %s (Lua %s.%s, libuv %s)\n", NSX_VERSION,
             LUA_VERSION_MAJOR, LUA_VERSION_MINOR, uv_version_string());
    free(cli.targets);
    return EXIT_CLEAN;
  }
  memset(&E, 0, sizeof E);
  memset(&out, 0, sizeof out);
  nsx_portlist_init(&ports);
  E.opt = cli.opt;
  nofile = nsx_raise_nofile();
  nsx_reserve_fds(nofile);
  /* Keep a reserve of descriptors for files, the loop and the scan. */
  E.opt.max_sockets = cli.max_sockets ? (size_t)cli.max_sockets
                      : nofile > 256 ? nofile - nofile / 8 - 64 : nofile / 2;
  E.opt.max_probes = cli.max_probes ? (size_t)cli.max_probes
                     : nofile / 8 < 4096 ? (nofile / 8 ? nofile / 8 : 1) : 4096;

  if (nsx_datapath_init(&dp, cli.datadir, argv[0]) < 0) {
    fprintf(stderr, "nsx: cannot set up the data path\n");
    free(cli.targets);
    return EXIT_FAILED;
  }
  path = nsx_datapath_find(&dp, "nmap-services");
  if (path) {
    E.services = nsx_services_load(path, err, sizeof err);
    if (!E.services) fprintf(stderr, "nsx: warning: %s\n", err);
    free(path);
  } else {
    fprintf(stderr, "nsx: warning: nmap-services not found in the data "
            "path; port names are unknown\n");
  }
  if (!cli.no_portscan &&
      nsx_portspec_select(&ports, cli.ports, cli.exclude_ports,
                          (size_t)cli.top_ports, E.services, err,
                          sizeof err) < 0) {
    fprintf(stderr, "nsx: %s\n", err);
    goto done_early;
  }
  uv_loop_init(&loop);
  if (nsx_engine_init(&E, &loop, &dp, err, sizeof err) < 0) {
    fprintf(stderr, "nsx: %s\n", err);
    goto done;
  }
  if (setup_args(&E, &cli) < 0) goto done;
  if (cli.default_scripts) {
    /* -sC adds the default category to --script, as in Nmap. */
    size_t n = strlen("default,") + (cli.scripts ? strlen(cli.scripts) : 0) + 1;
    if (!(rules = malloc(n))) goto done;
    snprintf(rules, n, "default%s%s", cli.scripts ? "," : "",
             cli.scripts ? cli.scripts : "");
  }
  if (cli.script_help) {
    /* --script-help: describe the scripts and scan nothing. */
    rejected = setup_scripts(&E, cli.script_help);
    if (rejected >= 0) {
      script_help(&E);
      rc = rejected > 0 ? EXIT_REJECTED : EXIT_CLEAN;
    }
    goto done;
  }
  rejected = setup_scripts(&E, rules ? rules : cli.scripts);
  if (rejected < 0) goto done;
  if (cli.scripts && E.nscripts == 0 && rejected > 0) {
    fprintf(stderr, "nsx: no script could be loaded\n");
    goto done;
  }

  out.start = time(NULL);
  out.start_ms = nsx_now_ms();
  out.cmdline = join_args(argc, argv);
  out.ports = cli.no_portscan ? NULL : &ports;
  if (setup_outputs(&out, &cli) < 0) goto done;
  E.out = &out;

  ts = nsx_tsource_new(&E);
  for (size_t i = 0; ts && i < cli.ntargets; i++)
    nsx_tsource_add(ts, cli.targets[i]);
  if (!ts) goto done;
  for (size_t i = 0; i < cli.ninputs; i++) {
    if (nsx_tsource_add_file(ts, cli.inputs[i], err, sizeof err) < 0) {
      fprintf(stderr, "nsx: %s\n", err);
      goto done;
    }
  }
  if (cli.ntargets == 0 && cli.ninputs == 0)
    fprintf(stderr, "WARNING: No targets were specified, so 0 hosts "
            "scanned.\n");
  memset(&setup, 0, sizeof setup);
  setup.targets = ts;
  setup.tcp_ports = ports.ports[0];
  setup.ntcp = ports.n[0];
  setup.scripts_only = cli.no_portscan;
  nsx_out_begin(&out, &E);
  if (!cli.no_status || cli.stats_every > 0)
    nsx_progress_start(&E, cli.stats_every);
  rc = nsx_scan_run(&E, &setup);
  nsx_progress_stop();
  if (rc < 0) {
    fprintf(stderr, "nsx: the scan could not start\n");
    rc = EXIT_FAILED;
    goto done;
  }
  nsx_out_end(&out, &E);
  rc = rejected > 0 || nsx_tsource_bad(ts) > 0 ? EXIT_REJECTED : EXIT_CLEAN;
  if (E.interrupted) rc = EXIT_INTERRUPTED;
done:
  free(rules);
#ifndef NSX_FULL_CLEANUP
  /* Every result is written: closing the Lua state and freeing a million
   * threads one by one would only make the user wait (the kernel frees it
   * all at once). Sanitizer builds do clean up, so that leaks show. */
  if (E.L) {
    nsx_out_close(&out);
    fflush(NULL);
    _exit(rc);
  }
#endif
  nsx_tsource_free(ts);
  nsx_out_close(&out);
  nsx_engine_free(&E);
  /* Whatever is still open (nothing, normally) is closed, not waited for. */
  uv_walk(&loop, close_handle, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
done_early:
  nsx_portlist_free(&ports);
  nsx_services_free(E.services);
  nsx_datapath_free(&dp);
  free(cli.targets);
  return rc;
}

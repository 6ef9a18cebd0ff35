/* Runs the registered TEST() cases, each in its own process with a time
 * limit, in name order, and prints TAP. With arguments, runs only the tests
 * whose names start with one of them. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"

struct unit_case {
  const char *name;
  void (*fn)(void);
};

enum { MAX_CASES = 4096, TIME_LIMIT = 30 };

static struct unit_case cases[MAX_CASES];
static size_t ncases;

void unit_register(const char *name, void (*fn)(void)) {
  if (ncases == MAX_CASES) {
    fprintf(stderr, "unit: too many tests\n");
    exit(2);
  }
  cases[ncases].name = name;
  cases[ncases].fn = fn;
  ncases++;
}

static int cmp(const void *a, const void *b) {
  return strcmp(((const struct unit_case *)a)->name,
                ((const struct unit_case *)b)->name);
}

static int run(const struct unit_case *c) {
  int status;
  pid_t pid;

  fflush(stdout);
  pid = fork();
  if (pid < 0) return 0;
  if (pid == 0) {
    alarm(TIME_LIMIT);
    c->fn();
    fflush(NULL);
    _exit(0);
  }
  if (waitpid(pid, &status, 0) < 0) return 0;
  if (WIFSIGNALED(status))
    printf("# %s: killed by signal %d%s\n", c->name, WTERMSIG(status),
           WTERMSIG(status) == SIGALRM ? " (time limit)" : "");
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int wanted(const char *name, int argc, char **argv) {
  if (argc < 2) return 1;
  for (int i = 1; i < argc; i++)
    if (strncmp(name, argv[i], strlen(argv[i])) == 0) return 1;
  return 0;
}

int main(int argc, char **argv) {
  size_t planned = 0, i;
  int failed = 0, k = 0;

  qsort(cases, ncases, sizeof cases[0], cmp);
  for (i = 0; i < ncases; i++) planned += wanted(cases[i].name, argc, argv);
  printf("1..%zu\n", planned);
  for (i = 0; i < ncases; i++) {
    if (!wanted(cases[i].name, argc, argv)) continue;
    int ok = run(&cases[i]);
    printf("%s %d - %s\n", ok ? "ok" : "not ok", ++k, cases[i].name);
    failed += !ok;
  }
  return failed ? 1 : 0;
}

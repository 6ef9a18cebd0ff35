/* measure: runs one command and reports its wall time, CPU time and peak
 * resident set size from wait4()'s rusage, because GNU time is not part of
 * a default Debian install. It also bounds the run: past the time limit the
 * command's whole process group is killed.
 *
 * Usage: measure [-t LIMIT_S] [-o FILE] -- COMMAND [ARG...]
 * Appends one line "wall_s=.. user_s=.. sys_s=.. cpu_s=.. maxrss_kb=..
 * exit=.. timed_out=.." to FILE (stderr without -o) and exits with the
 * command's status (124 after a timeout, 125 when it cannot start). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE  /* accept4, signalfd; the build defines it too. */
#endif
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double tv_s(struct timeval tv) {
  return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void usage(void) {
  fprintf(stderr, "usage: measure [-t LIMIT_S] [-o FILE] -- COMMAND [ARG...]\n");
  exit(125);
}

int main(int argc, char **argv) {
  const char *outfile = NULL;
  double limit = 600, t0, t1, killed_at = 0;
  struct rusage ru;
  sigset_t set, old;
  pid_t pid;
  int opt, status = 0, timed_out = 0, code;
  FILE *out;

  while ((opt = getopt(argc, argv, "+t:o:")) != -1) {
    switch (opt) {
    case 't': limit = atof(optarg); break;
    case 'o': outfile = optarg; break;
    default: usage();
    }
  }
  if (optind >= argc) usage();

  /* SIGCHLD, SIGINT and SIGTERM are taken with sigtimedwait, never by a
   * handler, so there is no race between the child's end and the wait. */
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigprocmask(SIG_BLOCK, &set, &old);

  t0 = now_s();
  pid = fork();
  if (pid < 0) {
    perror("measure: fork");
    return 125;
  }
  if (pid == 0) {
    setpgid(0, 0);
    sigprocmask(SIG_SETMASK, &old, NULL);
    execvp(argv[optind], argv + optind);
    fprintf(stderr, "measure: %s: %s\n", argv[optind], strerror(errno));
    _exit(125);
  }
  setpgid(pid, pid);

  for (;;) {
    struct timespec ts;
    siginfo_t si;
    double left;
    pid_t r = wait4(pid, &status, WNOHANG, &ru);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) {
      perror("measure: wait4");
      return 125;
    }
    left = (killed_at ? killed_at + 5 : t0 + limit) - now_s();
    if (left <= 0) {
      /* First the time limit (TERM), then a grace period (KILL). */
      if (!killed_at) {
        timed_out = 1;
        killed_at = now_s();
        kill(-pid, SIGTERM);
      } else {
        kill(-pid, SIGKILL);
        killed_at = now_s() + 3600;  /* KILL cannot be ignored. */
      }
      continue;
    }
    ts.tv_sec = (time_t)left;
    ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
    if (sigtimedwait(&set, &si, &ts) > 0 && si.si_signo != SIGCHLD)
      kill(-pid, si.si_signo);  /* Pass an interrupt on to the command. */
  }
  t1 = now_s();

  if (WIFEXITED(status))
    code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    code = 128 + WTERMSIG(status);
  else
    code = 125;
  out = outfile ? fopen(outfile, "a") : stderr;
  if (!out) {
    perror("measure: output file");
    out = stderr;
  }
  fprintf(out,
          "wall_s=%.4f user_s=%.4f sys_s=%.4f cpu_s=%.4f maxrss_kb=%ld "
          "exit=%d timed_out=%d\n",
          t1 - t0, tv_s(ru.ru_utime), tv_s(ru.ru_stime),
          tv_s(ru.ru_utime) + tv_s(ru.ru_stime), ru.ru_maxrss, code,
          timed_out);
  if (out != stderr) fclose(out);
  return timed_out ? 124 : code;
}

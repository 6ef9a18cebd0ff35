/* Scheduler and sync primitives without Lua: tasks are plain structs whose
 * run callbacks record the order they ran in. */
#include "sched/sched.h"
#include "sched/sync.h"
#include "unit.h"

struct rec {
  struct nsx_task task;
  int id;
  struct nsx_sync_waiter w;
  int cancelled;
};

static int order[64];
static int norder;

static void record(struct nsx_task *t) {
  order[norder++] = ((struct rec *)t)->id;
}

static void setup(struct nsx_sched *s, struct rec *r, int n) {
  nsx_sched_init(s, NULL);
  norder = 0;
  for (int i = 0; i < n; i++) {
    nsx_task_init(&r[i].task, record);
    r[i].id = i;
    r[i].cancelled = 0;
    r[i].w.task = &r[i].task;
    r[i].w.owner = &r[i];
    r[i].w.owner_ref = 100 + i;
    r[i].w.on_cancel = NULL;
  }
}

TEST(sched_fifo_pass) {
  struct nsx_sched s;
  struct rec r[3];
  setup(&s, r, 3);
  nsx_task_ready(&s, &r[2].task);
  nsx_task_ready(&s, &r[0].task);
  nsx_task_ready(&s, &r[1].task);
  ASSERT_EQ_INT(nsx_sched_pass(&s), 3);
  ASSERT_EQ_INT(order[0], 2);
  ASSERT_EQ_INT(order[1], 0);
  ASSERT_EQ_INT(order[2], 1);
  ASSERT(!nsx_sched_has_ready(&s));
}

static struct nsx_sched *requeue_sched;

static void requeue(struct nsx_task *t) {
  record(t);
  nsx_task_ready(requeue_sched, t);
}

TEST(sched_wake_during_pass_runs_next_pass) {
  struct nsx_sched s;
  struct rec r[1];
  setup(&s, r, 1);
  requeue_sched = &s;
  r[0].task.run = requeue;
  nsx_task_ready(&s, &r[0].task);
  ASSERT_EQ_INT(nsx_sched_pass(&s), 1);
  ASSERT_EQ_INT(nsx_sched_pass(&s), 1);
  ASSERT_EQ_INT(norder, 2);
  ASSERT(nsx_sched_has_ready(&s));
}

static int wait_cancelled;
static void count_cancel(struct nsx_wait *w) { (void)w; wait_cancelled++; }

TEST(sched_park_wake_cancel) {
  struct nsx_sched s;
  struct rec r[2];
  struct nsx_wait io = {count_cancel, "sleep", 1};
  struct nsx_wait other = {count_cancel, "other", 0};
  setup(&s, r, 2);
  nsx_task_park(&s, &r[0].task, &io);
  nsx_task_park(&s, &r[1].task, &other);
  ASSERT_EQ_INT(s.nparked, 2);
  ASSERT_EQ_INT(s.nparked_io, 1);
  ASSERT_EQ_INT(nsx_task_wake(&s, &r[0].task), 1);
  ASSERT_EQ_INT(nsx_task_wake(&s, &r[0].task), 0);   /* not parked now */
  ASSERT_EQ_INT(s.nparked_io, 0);
  nsx_task_cancel(&s, &r[1].task);
  ASSERT_EQ_INT(wait_cancelled, 1);
  ASSERT_EQ_INT(nsx_task_wake(&s, &r[1].task), 0);   /* cancelled */
  nsx_task_cancel(&s, &r[0].task);                    /* ready -> idle */
  ASSERT_EQ_INT(nsx_sched_pass(&s), 0);
  ASSERT_EQ_INT(s.nparked, 0);
}

TEST(sync_mutex_fifo_handover) {
  struct nsx_sched s;
  struct nsx_mutex m;
  struct rec r[4];
  struct nsx_sync_waiter *w;
  setup(&s, r, 4);
  nsx_mutex_init(&m);
  ASSERT_EQ_INT(nsx_mutex_trylock(&m, &r[0].task, &r[0], 100), 1);
  ASSERT_EQ_INT(nsx_mutex_trylock(&m, &r[0].task, &r[0], 100), 0);
  ASSERT_EQ_INT(nsx_mutex_trylock(&m, &r[1].task, &r[1], 101), 0);
  nsx_mutex_wait(&s, &m, &r[3].w);
  nsx_mutex_wait(&s, &m, &r[1].w);
  nsx_mutex_wait(&s, &m, &r[2].w);
  ASSERT_EQ_INT(s.nparked, 3);
  w = nsx_mutex_unlock(&s, &m);
  ASSERT(w == &r[3].w);
  ASSERT(m.holder == &r[3]);
  ASSERT_EQ_INT(m.holder_ref, 103);
  /* A cancelled waiter leaves the queue: r[1] is skipped. */
  nsx_task_cancel(&s, &r[1].task);
  w = nsx_mutex_unlock(&s, &m);
  ASSERT(w == &r[2].w);
  ASSERT(nsx_mutex_unlock(&s, &m) == NULL);
  ASSERT(m.holder == NULL);
  ASSERT_EQ_INT(nsx_sched_pass(&s), 2);
  ASSERT_EQ_INT(order[0], 3);
  ASSERT_EQ_INT(order[1], 2);
}

TEST(sync_condvar_lifo_signal_and_broadcast) {
  struct nsx_sched s;
  struct nsx_condvar cv;
  struct rec r[4];
  setup(&s, r, 4);
  nsx_condvar_init(&cv);
  ASSERT(nsx_condvar_signal(&s, &cv) == NULL);
  for (int i = 0; i < 4; i++) nsx_condvar_wait(&s, &cv, &r[i].w);
  ASSERT(nsx_condvar_signal(&s, &cv) == &r[3].w);
  nsx_task_cancel(&s, &r[2].task);
  ASSERT(nsx_condvar_signal(&s, &cv) == &r[1].w);
  ASSERT(nsx_condvar_signal(&s, &cv) == &r[0].w);
  ASSERT(nsx_condvar_signal(&s, &cv) == NULL);
  ASSERT_EQ_INT(nsx_sched_pass(&s), 3);
  ASSERT_EQ_INT(order[0], 3);
  ASSERT_EQ_INT(order[1], 1);
  ASSERT_EQ_INT(order[2], 0);
  ASSERT_EQ_INT(s.nparked, 0);
}

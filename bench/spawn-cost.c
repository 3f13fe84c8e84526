// spawn-cost.c — the daemon's CPU time per spawn with N children running,
// for the first and the last 100 spawns: flat where the child does not copy
// the daemon's descriptor table. Not part of bench/run; build and run as
//   cc -O2 -ISources/CHotplugSpawn/include bench/spawn-cost.c Sources/CHotplugSpawn/spawn.c -o /tmp/spawn-cost
//   ulimit -n 20000; /tmp/spawn-cost 2000
// CPU time of the spawning thread (CLOCK_THREAD_CPUTIME_ID), not wall time,
// so that a loaded machine changes the figure little.
#define _GNU_SOURCE
#include "hotplug_spawn.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_THREAD_CPUTIME_ID,&t);return t.tv_sec*1e6+t.tv_nsec/1e3;}
int main(int argc,char**argv){
  int n=atoi(argv[1]);
  char *av[]={"/bin/sleep","600",NULL}; char *env[]={NULL};
  hotplug_spawn_options o={0}; o.path="/bin/sleep"; o.argv=av; o.envp=env;
  pid_t *pids=calloc(n,sizeof(pid_t));
  double first=0,last=0; int w=100;
  for(int i=0;i<n;i++){hotplug_spawn_result r; double t=now(); if(hotplug_spawn(&o,&r)!=0){fprintf(stderr,"fail %d stage %d errno %d\n",i,r.failed_stage,r.failed_errno);return 1;} t=now()-t; pids[i]=r.pid;
    if(i<w) first+=t; if(i>=n-w) last+=t;}
  printf("daemon CPU per spawn µs, first %d: %.1f, last %d (with %d running): %.1f\n",w,first/w,w,n-w,last/w);
  for(int i=0;i<n;i++) kill(pids[i],SIGKILL);
  for(int i=0;i<n;i++) waitpid(pids[i],NULL,0);
}

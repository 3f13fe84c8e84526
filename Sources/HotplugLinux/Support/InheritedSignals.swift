import Glibc

/// A parent may start us with signals blocked or ignored (test runners,
/// some supervisors do): SIGTERM would then never stop `monitor`, and the
/// daemon's children would inherit the same. Start from a clean slate.
public enum InheritedSignals {
    public static func reset() {
        var empty = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, nil)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGPIPE, SIGQUIT, SIGUSR1, SIGUSR2] where signal != SIGPIPE {
            Glibc.signal(signal, SIG_DFL)
        }
        // A closed reader must give EPIPE, not kill the daemon.
        Glibc.signal(SIGPIPE, SIG_IGN)
    }
}

import Glibc

/// A parent may start us with signals blocked or ignored (test runners,
/// some supervisors do): SIGTERM would then never stop `monitor`, and the
/// daemon's children would inherit the same. Start from a clean slate.
public enum InheritedSignals {
    /// A re-executed daemon keeps its own signals blocked: one that arrived
    /// during the exec is pending, and must reach the new signalfd rather
    /// than kill the process with the default action.
    public static func reset() {
        var mask = sigset_t()
        sigemptyset(&mask)
        if getenv("HOTPLUGD_REEXEC_STATE") != nil {
            for signal in [SIGTERM, SIGINT, SIGHUP, SIGCHLD] { sigaddset(&mask, signal) }
        }
        pthread_sigmask(SIG_SETMASK, &mask, nil)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGPIPE, SIGQUIT, SIGUSR1, SIGUSR2] where signal != SIGPIPE {
            Glibc.signal(signal, SIG_DFL)
        }
        // A closed reader must give EPIPE, not kill the daemon.
        Glibc.signal(SIGPIPE, SIG_IGN)
    }
}

import Glibc
import HotplugLinux
import TestSupport

/// The owner of a descriptor a test opened itself; throws (failing the test)
/// when the call that should have opened it returned -1. `#require` cannot
/// unwrap a non-copyable optional, hence this.
func adopt(_ rawValue: Int32, _ what: String) throws -> FileDescriptor {
    let failure = errno
    guard let owner = FileDescriptor(adopting: rawValue) else {
        throw TestFailure("\(what) failed: \(String(cString: strerror(failure)))")
    }
    return owner
}

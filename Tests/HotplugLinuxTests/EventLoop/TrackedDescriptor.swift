import Glibc
@testable import HotplugLinux
import Testing
import TestSupport

/// One descriptor a type under test holds, followed past the type's end to
/// tell whether it was closed.
///
/// Other tests run in parallel and open descriptors too, and the kernel
/// hands a closed number out again at once, so "number N is open" proves
/// nothing. The open file is marked instead: F_SETOWN to our pid, which
/// nothing else in the process sets (the daemon never uses SIGIO). A number
/// found open afterwards *with the mark* is the same file, leaked; a number
/// reused by a parallel test has no owner. Two tests marking at once could
/// confuse each other, so the suites using this are `.serialized`.
struct TrackedDescriptor: CustomStringConvertible {
    let number: Int32
    /// What /proc/self/fd/N pointed at while the type held it, such as
    /// "anon_inode:[eventpoll]" or "socket:[123]".
    let target: String

    /// Not throwing, so it can be made inside the closures that lend a
    /// descriptor; a mark that fails is recorded as the test's failure.
    init(_ descriptor: borrowing FileDescriptor, sourceLocation: SourceLocation = #_sourceLocation) {
        number = descriptor.rawValue
        if fcntl(number, F_SETOWN, getpid()) != 0 {
            Issue.record("fcntl(\(number), F_SETOWN): \(String(cString: strerror(errno)))", sourceLocation: sourceLocation)
        }
        target = Self.target(of: number) ?? "?"
    }

    /// Still open, and still the file marked at init.
    var isOpen: Bool {
        fcntl(number, F_GETFD) != -1 && fcntl(number, F_GETOWN) == getpid()
    }

    var description: String { "fd \(number) (\(target))" }

    static func target(of number: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/fd/\(number)", &buffer, buffer.count - 1)
        guard length >= 0 else { return nil }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A descriptor put at the number a type has just closed (or the lowest
/// free one above it, when a parallel test took it first), to catch a second
/// close: if the type closes that number again, the canary is gone.
struct Canary: ~Copyable {
    let descriptor: FileDescriptor

    init(at number: Int32) throws {
        let null = try adopt(open("/dev/null", O_RDONLY | O_CLOEXEC), "open /dev/null")
        let placed = try adopt(fcntl(null.rawValue, F_DUPFD_CLOEXEC, number), "F_DUPFD_CLOEXEC \(number)")
        guard fcntl(placed.rawValue, F_SETOWN, getpid()) == 0 else {
            throw TestFailure("fcntl(\(placed.rawValue), F_SETOWN): \(String(cString: strerror(errno)))")
        }
        descriptor = placed
    }

    /// Whether the canary sits on `number` itself, so the check means something.
    func guards(_ number: Int32) -> Bool { descriptor.rawValue == number }

    var isAlive: Bool {
        fcntl(descriptor.rawValue, F_GETFD) != -1 && fcntl(descriptor.rawValue, F_GETOWN) == getpid()
    }
}

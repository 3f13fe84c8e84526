import Glibc
import HotplugCore
import HotplugLinux

/// Writes a line to stderr, for errors and notes that are not the output.
func printError(_ line: String) {
    var text = line
    text += "\n"
    StandardError.write(text)
}

/// Device strings as a terminal may show them (see `Printable`).
func printable(_ text: String) -> String { Printable.escaped(text) }

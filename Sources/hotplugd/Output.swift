import Glibc
import HotplugCore
import HotplugLinux

/// Writes a line to stderr, for errors and notes that are not the output.
/// Escaped like device strings: errors echo what a user typed, a binding
/// file holds or a daemon answered, and none of it may drive the terminal.
func printError(_ line: String) {
    var text = printable(line)
    text += "\n"
    StandardError.write(text)
}

/// Prints a report line by line, each escaped: reports quote binding files
/// and devices. Escaping twice changes nothing, so parts already escaped
/// come out the same.
func printLines(_ text: String) {
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        print(printable(String(line)))
    }
}

/// Device strings as a terminal may show them (see `Printable`).
func printable(_ text: String) -> String { Printable.escaped(text) }

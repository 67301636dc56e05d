/// A one-line text progress bar for the command-line tools: `[#########...........]  45%  4500/10000 presses`.
public enum ProgressBar {
    public static func render(done: Int, total: Int, width: Int = 30, unit: String = "presses") -> String {
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let filled = Int((fraction * Double(width)).rounded(.down))
        let percent = Int((fraction * 100).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let padded = String(repeating: " ", count: max(0, 3 - String(percent).count)) + String(percent)
        return "[\(bar)] \(padded)%  \(done)/\(total) \(unit)"
    }
}

// Debouncer throughput: edges per second through the SmileyCore debouncer state machine.
//
// Generates 1,000,000 edges of realistic bouncing presses over the appliance's seven buttons (a
// satisfaction panel of four, an accessibility panel of three), then feeds them the way the device's
// event loop does: each edge to `receive`, and `advance(to: nextDeadline)` whenever the deadline
// comes before the next edge. Prints every run and the median of five.
//
//     swift run -c release DebouncerThroughput [EDGES] [RUNS]   (defaults 1,000,000 and 5)
//
// Depends on SmileyCore only.

import SmileyCore

// Optional arguments (a smoke run uses tiny ones): EDGES RUNS.
let benchmarkArguments = CommandLine.arguments.dropFirst().compactMap { Int(String($0.filter { $0 != "_" })) }
let targetEdges = benchmarkArguments.first ?? 1_000_000
let runs = max(1, benchmarkArguments.dropFirst().first ?? 5)
let buttons = Array(repeating: ButtonSpec(panel: 1), count: 4) + Array(repeating: ButtonSpec(panel: 2), count: 3)
let ms: Int64 = 1_000_000

/// A contact moving to `level` at `start`, bouncing for up to 10 ms (an even number of extra toggles).
func transition(
    button: Int, to level: Bool, at start: Int64, into edges: inout [Edge], using random: inout SplitMix64
) {
    edges.append(Edge(button: button, active: level, timestampNanos: start))
    let toggles = 2 * Int.random(in: 0...5, using: &random)
    var offsets = (0..<toggles).map { _ in Int64.random(in: 50_000...(10 * ms), using: &random) }
    offsets.sort()
    var current = level
    for offset in offsets {
        current.toggle()
        edges.append(Edge(button: button, active: current, timestampNanos: start + offset))
    }
}

func generateEdges() -> [Edge] {
    var random = SplitMix64(seed: 0x5EED)
    var edges: [Edge] = []
    edges.reserveCapacity(targetEdges + 64)
    var freeAt = Array(repeating: Int64(1_000_000_000_000), count: buttons.count)
    var clock: Int64 = 1_000_000_000_000
    while edges.count < targetEdges {
        clock += Int64.random(in: (20 * ms)...(900 * ms), using: &random)
        let button = Int.random(in: 0..<buttons.count, using: &random)
        let start = max(clock, freeAt[button])
        let hold: Int64 =
            switch Int.random(in: 0..<10, using: &random) {
            case 0: Int64.random(in: (1 * ms)...(15 * ms), using: &random)  // a glitch
            case 1...3: Int64.random(in: (35 * ms)...(80 * ms), using: &random)  // a quick tap
            default: Int64.random(in: (80 * ms)...(1_500 * ms), using: &random)
            }
        transition(button: button, to: true, at: start, into: &edges, using: &random)
        if hold > 200 * ms, Bool.random(using: &random) {
            // Chatter while held: a few short open glitches.
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let at = start + Int64.random(in: (30 * ms)...(hold - 30 * ms), using: &random)
                edges.append(Edge(button: button, active: false, timestampNanos: at))
                edges.append(
                    Edge(
                        button: button, active: true,
                        timestampNanos: at + Int64.random(in: 100_000...(3 * ms), using: &random)))
            }
        }
        transition(button: button, to: false, at: start + hold + 11 * ms, into: &edges, using: &random)
        freeAt[button] = start + hold + 60 * ms
    }
    edges.sort { ($0.timestampNanos, $0.button) < ($1.timestampNanos, $1.button) }
    return edges
}

struct RunResult {
    var seconds: Double
    var outputs: Int
    var counted: Int
    var timers: Int
}

func run(_ edges: [Edge]) -> RunResult {
    var debouncer = Debouncer(buttons: buttons)
    var outputs = 0
    var counted = 0
    var timers = 0
    func tally(_ batch: [DebounceOutput]) {
        outputs += batch.count
        for case .press(let press) in batch where !press.suppressed { counted += 1 }
    }
    let clock = ContinuousClock()
    let start = clock.now
    for edge in edges {
        while let deadline = debouncer.nextDeadline, deadline < edge.timestampNanos {
            timers += 1
            tally(debouncer.advance(to: deadline))
        }
        tally(debouncer.receive(edge))
    }
    tally(debouncer.advance(to: .max))
    let elapsed = start.duration(to: clock.now)
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return RunResult(seconds: seconds, outputs: outputs, counted: counted, timers: timers)
}

let edges = generateEdges()
print("edges: \(edges.count) over \(buttons.count) buttons")
var rates: [Double] = []
for index in 1...runs {
    let result = run(edges)
    let rate = Double(edges.count) / result.seconds
    rates.append(rate)
    print(
        "run \(index): \(Int(result.seconds * 1_000_000)) µs, \(Int(rate)) edges/s"
            + " (outputs \(result.outputs), counted \(result.counted), timer wake-ups \(result.timers))")
}
rates.sort()
print("median: \(Int(rates[runs / 2])) edges/s")

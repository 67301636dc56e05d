import CGPIOD
import CSmileyLinux
import Foundation
import SmileyCore

/// The buttons of a real device. A dedicated thread blocks in `poll()` on the line request
/// descriptors, a timerfd armed at the debouncer's next deadline and an eventfd for shutdown, so an
/// idle device does not wake up at all. Presses are dated by the kernel's event timestamps.
public final class GPIOButtonSource: ButtonSource, @unchecked Sendable {
    let buttons: [ButtonConfiguration]
    let specs: [ButtonSpec]
    let configuration: DebounceConfiguration
    let realtimePriority: Int32?
    /// Signalled by the watchdog; the loop answers by counting `pongs`.
    let ping: Int32
    let pongs = WaitableCounter()
    let onReady: @Sendable () -> Void

    public init(
        buttons: [ButtonConfiguration], specs: [ButtonSpec], configuration: DebounceConfiguration,
        realtimePriority: Int32? = nil, onReady: @escaping @Sendable () -> Void = {}
    ) {
        self.ping = smiley_eventfd_create()
        self.onReady = onReady
        self.buttons = buttons
        self.specs = specs
        self.configuration = configuration
        self.realtimePriority = realtimePriority
    }

    deinit { close(ping) }

    /// Whether the loop thread answers a ping within `timeout` (for the systemd watchdog). Waits
    /// without polling, and times out on `clock` (an event loop timer, removed once the loop answered),
    /// so an idle device wakes only for the watchdog.
    public func isResponsive(timeout: Duration = .seconds(2), clock: any Clock<Duration> = EventLoopClock()) async
        -> Bool
    {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    self.pongs.waitForNext(continuation)
                    if smiley_eventfd_signal(self.ping) != 0 { self.pongs.add(0) }
                }
                return true
            }
            group.addTask {
                try? await clock.sleep(for: timeout)
                return false
            }
            let answered = await group.next() ?? false
            group.cancelAll()
            if !answered { pongs.add(0) }  // releases the waiter of a wedged loop
            return answered
        }
    }

    /// One line request per chip, and which button each offset is.
    struct ChipLines {
        var lines: GPIOInputLines
        var buttonAtOffset: [UInt32: Int]
        var buttonOrder: [Int]
    }

    /// Requests every configured line; the error names the first line that cannot be had.
    func requestLines() throws(GPIOError) -> [ChipLines] {
        var byChip: [String: (chip: GPIOChip, entries: [(Int, UInt32)])] = [:]
        var order: [String] = []
        for (index, button) in buttons.enumerated() {
            let (chip, offset) = try locateLine(chip: button.chip, line: button.line)
            if byChip[chip.path] == nil {
                byChip[chip.path] = (chip, [])
                order.append(chip.path)
            }
            byChip[chip.path]!.entries.append((index, offset))
        }
        var result: [ChipLines] = []
        for path in order {
            let (chip, entries) = byChip[path]!
            let lines = entries.map { index, offset in
                GPIOInputLines.Line(offset: offset, bias: buttons[index].bias, activeLow: buttons[index].activeLow)
            }
            let request = try GPIOInputLines(chip: chip, lines: lines, consumer: "smiley-device")
            result.append(
                ChipLines(
                    lines: request, buttonAtOffset: Dictionary(uniqueKeysWithValues: entries.map { ($0.1, $0.0) }),
                    buttonOrder: entries.map(\.0)))
        }
        return result
    }

    public func run(_ handle: @escaping @Sendable (DebounceOutput) async throws -> Void) async throws {
        let chips = try requestLines()
        let timer = smiley_timerfd_create()
        let wake = smiley_eventfd_create()
        guard timer >= 0, wake >= 0 else { throw SystemError(operation: "create timerfd/eventfd", errno: errno) }
        defer {
            close(timer)
            close(wake)
        }
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: DebounceOutput.self)
        let loop = EventLoop(
            chips: chips, specs: specs, configuration: configuration, timer: timer, wake: wake, ping: ping,
            pongs: pongs, realtimePriority: realtimePriority, onReady: onReady,
            continuation: continuation)
        let thread = Thread { loop.run() }
        thread.name = "smiley-gpio"
        thread.start()
        try await withTaskCancellationHandler {
            for try await output in stream { try await handle(output) }
        } onCancel: {
            _ = smiley_eventfd_signal(wake)
        }
        _ = smiley_eventfd_signal(wake)
        loop.finished.wait()
    }

    /// The loop itself; runs on its own thread and owns the debouncer.
    final class EventLoop: @unchecked Sendable {
        let chips: [ChipLines]
        var debouncer: Debouncer
        let timer: Int32
        let wake: Int32
        let ping: Int32
        let pongs: WaitableCounter
        let realtimePriority: Int32?
        let onReady: @Sendable () -> Void
        let continuation: AsyncThrowingStream<DebounceOutput, any Error>.Continuation
        let finished = DispatchSemaphore(value: 0)
        var lastSequence: [Int: UInt64] = [:]

        init(
            chips: [ChipLines], specs: [ButtonSpec], configuration: DebounceConfiguration, timer: Int32, wake: Int32,
            ping: Int32, pongs: WaitableCounter, realtimePriority: Int32?,
            onReady: @escaping @Sendable () -> Void,
            continuation: AsyncThrowingStream<DebounceOutput, any Error>.Continuation
        ) {
            self.ping = ping
            self.pongs = pongs
            self.onReady = onReady
            self.chips = chips
            self.debouncer = Debouncer(buttons: specs, configuration: configuration)
            self.timer = timer
            self.wake = wake
            self.realtimePriority = realtimePriority
            self.continuation = continuation
        }

        func run() {
            defer { finished.signal() }
            do {
                try loop()
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }

        func levels() throws -> [Bool] {
            var levels = [Bool](repeating: false, count: debouncer.buttonCount)
            for chip in chips {
                for (position, value) in try chip.lines.values().enumerated() {
                    levels[chip.buttonOrder[position]] = value
                }
            }
            return levels
        }

        func loop() throws {
            // Named so that per-thread figures (wake-ups, CPU) can tell the button loop apart.
            _ = smiley_thread_set_name("smiley-gpio")
            if let priority = realtimePriority, smiley_thread_set_fifo(priority) != 0 {
                throw SystemError(operation: "SCHED_FIFO priority \(priority) for the GPIO thread", errno: errno)
            }
            debouncer.setInitialLevels(try levels(), at: SystemClock().monotonicNanos())
            var descriptors: [pollfd] = []
            var sources: [(chip: Int, fd: Int)] = []
            for (chipIndex, chip) in chips.enumerated() {
                for (fdIndex, fd) in chip.lines.fileDescriptors.enumerated() {
                    descriptors.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0))
                    sources.append((chipIndex, fdIndex))
                }
            }
            let timerSlot = descriptors.count
            descriptors.append(pollfd(fd: timer, events: Int16(POLLIN), revents: 0))
            descriptors.append(pollfd(fd: wake, events: Int16(POLLIN), revents: 0))
            descriptors.append(pollfd(fd: ping, events: Int16(POLLIN), revents: 0))
            onReady()
            var buffer = [smiley_gpio_event](repeating: smiley_gpio_event(), count: 64)
            while true {
                guard smiley_timerfd_arm(timer, debouncer.nextDeadline ?? 0) == 0 else {
                    throw SystemError(operation: "arm debounce timer", errno: errno)
                }
                let ready = poll(&descriptors, nfds_t(descriptors.count), -1)
                if ready < 0 {
                    if errno == EINTR { continue }
                    throw SystemError(operation: "poll", errno: errno)
                }
                if descriptors[timerSlot + 1].revents != 0 { return }
                if descriptors[timerSlot + 2].revents != 0 {
                    _ = smiley_eventfd_consume(ping)
                    pongs.add(1)
                }
                var outputs: [DebounceOutput] = []
                // All queued edges first, then the deadlines: the debouncer expects edges in time order.
                for (slot, source) in sources.enumerated() where descriptors[slot].revents != 0 {
                    let chip = chips[source.chip]
                    for event in try chip.lines.readEvents(fdIndex: source.fd, into: &buffer) {
                        guard let button = chip.buttonAtOffset[event.offset] else { continue }
                        // The kernel numbers each line's events from 1 in each request, so a first event
                        // numbered above 1 means the events before it were dropped as well.
                        if event.lineSequence > 0 {
                            let last = lastSequence[button] ?? 0
                            if event.lineSequence > last + 1 {
                                let lost = Int(event.lineSequence - last - 1)
                                outputs += debouncer.eventsLost(
                                    count: lost, at: event.timestampNanos, levels: try levels())
                            }
                            lastSequence[button] = event.lineSequence
                        }
                        outputs += debouncer.receive(
                            Edge(button: button, active: event.active, timestampNanos: event.timestampNanos))
                    }
                }
                if descriptors[timerSlot].revents != 0 {
                    _ = smiley_timerfd_consume(timer)
                    outputs += debouncer.advance(to: SystemClock().monotonicNanos())
                }
                for output in outputs { continuation.yield(output) }
            }
        }
    }
}

/// A thread-safe running count (the loop's answers to watchdog pings) that tasks can wait on.
final class WaitableCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var total = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    var count: Int { lock.withLock { total } }

    /// Adds to the count and wakes everyone waiting for the next addition.
    func add(_ amount: Int) {
        let woken = lock.withLock {
            total += amount
            defer { waiters.removeAll() }
            return waiters
        }
        for waiter in woken { waiter.resume() }
    }

    func waitForNext(_ continuation: CheckedContinuation<Void, Never>) {
        lock.withLock { waiters.append(continuation) }
    }
}

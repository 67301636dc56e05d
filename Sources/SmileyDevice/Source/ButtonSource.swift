import SmileyCore

/// Where debounced button activity comes from: GPIO lines on a real device, a script or a traffic
/// model in tests and the demo. Button indices refer to `DeviceConfiguration.buttons`.
public protocol ButtonSource: Sendable {
    /// Runs until the source ends or the task is cancelled, handing every debouncer output to
    /// `handle` in order. A source waits for `handle` to return before going on.
    func run(_ handle: @escaping @Sendable (DebounceOutput) async throws -> Void) async throws
}

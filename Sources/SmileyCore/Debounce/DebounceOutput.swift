/// What the debouncer decided, in the order it decided it.
public enum DebounceOutput: Sendable, Hashable {
    /// A press ended (debounced release); counted unless `suppressed`.
    case press(DebouncedPress)
    /// Health flag raised: `button` has been held for the stuck limit since `heldSinceNanos`.
    /// That hold will never count as a press.
    case stuck(button: Int, heldSinceNanos: Int64)
    /// Health flag cleared: the stuck `button` was released; `releasedAtNanos` is the first edge of
    /// the release.
    case stuckCleared(button: Int, releasedAtNanos: Int64)
    /// The kernel dropped `count` edge events (a sequence-number gap), noticed at `atNanos`. Every
    /// button was resynchronised; a press in progress at that moment was abandoned.
    case eventsLost(count: Int, atNanos: Int64)
}

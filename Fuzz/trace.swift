// libFuzzer target: an edge trace file (smileyctl buttons record), parsed and replayed through the debouncer.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTrace(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let names = ["GPIO5", "GPIO6", "GPIO13", "GPIO19", "GPIO16", "GPIO20", "GPIO21"]
    guard let text = String(bytes: UnsafeBufferPointer(start: data, count: size), encoding: .utf8),
        let trace = try? EdgeTrace.parse(text, lineNames: names)
    else { return 0 }
    let buttons = (0..<7).map { ButtonSpec(panel: $0 < 4 ? 0 : 1) }
    _ = trace.replay(buttons: buttons, configuration: DebounceConfiguration())
    _ = trace.text(lineNames: names)
    return 0
}

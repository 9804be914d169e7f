// Exit statuses (DESIGN.md): the server's own; 128+N for signal N; 125 when contain itself failed;
// 126/127 when CMD could not be executed.
public enum ContainExit {
    public static let containFailure: Int32 = 125
    public static let cannotExecute: Int32 = 126
    public static let notFound: Int32 = 127
}

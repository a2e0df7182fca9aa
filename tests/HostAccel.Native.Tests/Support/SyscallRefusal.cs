using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace HostAccel.Native.Tests.Support;

/// <summary>
/// Runs code on a thread of its own where the kernel refuses one system call, matched by number and by the values of
/// some of its arguments, with a chosen errno: a seccomp filter, which the kernel applies to the thread that installs
/// it and to the threads it starts afterwards only (no SECCOMP_FILTER_FLAG_TSYNC), so the rest of the test process is
/// untouched. For the failures of calls that cannot be made to fail otherwise on a working kernel (bind, getsockname,
/// getsockopt and setsockopt on a netlink socket; an option or a netlink protocol an older or smaller kernel lacks). Each filter matches only what the
/// library passes in the call under test (a netlink address length, an option, a protocol).
/// </summary>
public static class SyscallRefusal
{
    public const int SOL_SOCKET = 1;
    public const int SO_SNDBUF = 7;
    public const int SO_RCVBUF = 8;
    public const int SO_RCVTIMEO = 20;
    public const int SOL_NETLINK = 270;
    public const int AF_NETLINK = 16;

    private const uint AUDIT_ARCH_X86_64 = 0xc000003e;
    private const uint AUDIT_ARCH_AARCH64 = 0xc00000b7;
    private const int PR_SET_SECCOMP = 22;
    private const int SECCOMP_MODE_FILTER = 2;

    public enum Call
    {
        Socket,
        Bind,
        GetSockName,
        SetSockOpt,
        GetSockOpt,
    }

    /// <summary>
    /// Runs <paramref name="action"/> where <paramref name="call"/> fails with <paramref name="errno"/> when each
    /// (argument index, value) of <paramref name="arguments"/> matches (the low 32 bits); an exception of the action
    /// is thrown again as it was.
    /// </summary>
    public static T Run<T>(Call call, int errno, (int Index, uint Value)[] arguments, Func<T> action)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Install(call, errno, arguments);
                result = action();
            }
            catch (Exception ex)
            {
                failure = ExceptionDispatchInfo.Capture(ex);
            }
        });
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    private static void Install(Call call, int errno, (int Index, uint Value)[] arguments)
    {
        (uint arch, uint number) = (RuntimeInformation.ProcessArchitecture, call) switch
        {
            (Architecture.X64, Call.Socket) => (AUDIT_ARCH_X86_64, 41u),
            (Architecture.X64, Call.Bind) => (AUDIT_ARCH_X86_64, 49u),
            (Architecture.X64, Call.GetSockName) => (AUDIT_ARCH_X86_64, 51u),
            (Architecture.X64, Call.SetSockOpt) => (AUDIT_ARCH_X86_64, 54u),
            (Architecture.X64, Call.GetSockOpt) => (AUDIT_ARCH_X86_64, 55u),
            (Architecture.Arm64, Call.Socket) => (AUDIT_ARCH_AARCH64, 198u),
            (Architecture.Arm64, Call.Bind) => (AUDIT_ARCH_AARCH64, 200u),
            (Architecture.Arm64, Call.GetSockName) => (AUDIT_ARCH_AARCH64, 204u),
            (Architecture.Arm64, Call.SetSockOpt) => (AUDIT_ARCH_AARCH64, 208u),
            (Architecture.Arm64, Call.GetSockOpt) => (AUDIT_ARCH_AARCH64, 209u),
            _ => throw new PlatformNotSupportedException($"no system call numbers for {RuntimeInformation.ProcessArchitecture}"),
        };

        // seccomp_data: nr at 0, arch at 4, args[i] at 16 + 8 i (little-endian: the low half first).
        const ushort LD_W_ABS = 0x20, JEQ_K = 0x15, RET_K = 0x06;
        const uint ALLOW = 0x7fff0000, ERRNO = 0x00050000;
        var program = new List<Instruction> { new(LD_W_ABS, 0, 0, 4) };
        int checks = 2 + arguments.Length; // arch, number, then each argument: a mismatch jumps to "allow"
        program.Add(new(JEQ_K, 0, (byte)(2 * checks - 1), arch));
        program.Add(new(LD_W_ABS, 0, 0, 0));
        program.Add(new(JEQ_K, 0, (byte)(2 * checks - 3), number));
        for (int i = 0; i < arguments.Length; i++)
        {
            program.Add(new(LD_W_ABS, 0, 0, (uint)(16 + 8 * arguments[i].Index)));
            program.Add(new(JEQ_K, 0, (byte)(2 * (checks - 3 - i) + 1), arguments[i].Value));
        }

        program.Add(new(RET_K, 0, 0, ERRNO | (uint)errno));
        program.Add(new(RET_K, 0, 0, ALLOW));

        // struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; } and struct sock_fprog { u16 len; sock_filter *filter; }.
        nint filter = Marshal.AllocHGlobal(8 * program.Count);
        nint fprog = Marshal.AllocHGlobal(16);
        try
        {
            for (int i = 0; i < program.Count; i++)
            {
                Marshal.WriteInt16(filter, 8 * i, (short)program[i].Code);
                Marshal.WriteByte(filter, 8 * i + 2, program[i].JumpTrue);
                Marshal.WriteByte(filter, 8 * i + 3, program[i].JumpFalse);
                Marshal.WriteInt32(filter, 8 * i + 4, (int)program[i].K);
            }

            Marshal.WriteInt64(fprog, 0, 0);
            Marshal.WriteInt16(fprog, 0, (short)program.Count);
            Marshal.WriteIntPtr(fprog, 8, filter);
            if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, fprog, 0, 0) != 0)
            {
                throw new InvalidOperationException($"seccomp filter: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        finally
        {
            Marshal.FreeHGlobal(fprog);
            Marshal.FreeHGlobal(filter);
        }
    }

    private readonly record struct Instruction(ushort Code, byte JumpTrue, byte JumpFalse, uint K);

    [DllImport("libc", SetLastError = true)]
    private static extern int prctl(int option, nint arg2, nint arg3, nint arg4, nint arg5);
}

using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace HostAccel.Native.Interop;

/// <summary>
/// Reads a file that must be a regular file of bounded size. A path given by a person may name a FIFO (whose open
/// blocks until a writer comes, and whose read never ends while one stays), a device (/dev/zero never ends), a
/// directory, or a symbolic link to any of them. The file is opened without blocking and without becoming a
/// controlling terminal, and the descriptor itself is asked what it is, so a link is judged by its target and a file
/// swapped in between check and open cannot slip through; then it is read in chunks, each checked against the cap
/// (a file that grows while read is refused, not cut) and against cancellation.
/// </summary>
public static unsafe class RegularFile
{
    private const int Chunk = 64 * 1024;

    /// <summary>The whole file.</summary>
    /// <exception cref="SystemCallException">open or read failed (ENOENT for a missing file, EACCES …).</exception>
    /// <exception cref="NotARegularFileException">the path (or the target of its links) is not a regular file.</exception>
    /// <exception cref="FileTooLargeException">the file holds more than <paramref name="maxBytes"/>.</exception>
    public static byte[] ReadAll(string path, long maxBytes, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        cancellation.ThrowIfCancellationRequested();
        int fd = LibC.open(path, LibC.O_RDONLY | LibC.O_NONBLOCK | LibC.O_NOCTTY | LibC.O_CLOEXEC);
        if (fd < 0)
        {
            throw SystemCallException.FromLastError("open", path);
        }

        try
        {
            (ushort type, ulong size) = Status(fd, path);
            if (type != LibC.S_IFREG)
            {
                throw new NotARegularFileException(path, KindOf(type));
            }

            if (size > (ulong)maxBytes)
            {
                throw new FileTooLargeException(path, (long)Math.Min(size, long.MaxValue), maxBytes);
            }

            using var content = new MemoryStream((int)size);
            byte[] buffer = new byte[Chunk];
            while (true)
            {
                cancellation.ThrowIfCancellationRequested();
                nint read;
                fixed (byte* pointer = buffer)
                {
                    read = LibC.read(fd, pointer, (nuint)buffer.Length);
                }

                if (read < 0)
                {
                    var errno = (Errno)Marshal.GetLastPInvokeError();
                    if (errno == Errno.EINTR)
                    {
                        continue;
                    }

                    throw new SystemCallException("read", errno, path);
                }

                if (read == 0)
                {
                    return content.ToArray();
                }

                if (content.Length + read > maxBytes)
                {
                    throw new FileTooLargeException(path, content.Length + read, maxBytes);
                }

                content.Write(buffer, 0, (int)read);
            }
        }
        finally
        {
            _ = LibC.close(fd);
        }
    }

    private static (ushort Type, ulong Size) Status(int fd, string path)
    {
        byte* statx = stackalloc byte[LibC.StatxSize];
        if (LibC.statx(fd, "", LibC.AT_EMPTY_PATH, LibC.STATX_TYPE | LibC.STATX_SIZE, statx) != 0)
        {
            throw SystemCallException.FromLastError("statx", path);
        }

        var bytes = new ReadOnlySpan<byte>(statx, LibC.StatxSize);
        ushort mode = BinaryPrimitives.ReadUInt16LittleEndian(bytes[LibC.StatxModeOffset..]);
        ulong size = BinaryPrimitives.ReadUInt64LittleEndian(bytes[LibC.StatxSizeOffset..]);
        return ((ushort)(mode & LibC.S_IFMT), size);
    }

    private static string KindOf(ushort type) => type switch
    {
        LibC.S_IFDIR => "a directory",
        LibC.S_IFIFO => "a FIFO (named pipe)",
        LibC.S_IFCHR => "a character device",
        LibC.S_IFBLK => "a block device",
        LibC.S_IFSOCK => "a socket",
        _ => $"a file of type 0x{type:x4}",
    };
}

/// <summary>A path that was to be read as a regular file names something else.</summary>
public sealed class NotARegularFileException : IOException
{
    public NotARegularFileException(string path, string kind)
        : base($"{path} is {kind}, not a regular file")
    {
        Path = path;
        Kind = kind;
    }

    public string Path { get; }

    /// <summary>"a FIFO (named pipe)", "a character device", "a directory" …</summary>
    public string Kind { get; }
}

/// <summary>A file larger than its reader accepts.</summary>
public sealed class FileTooLargeException : IOException
{
    public FileTooLargeException(string path, long size, long limit)
        : base($"{path} holds {(size > limit ? "more than " : "")}{limit} bytes")
    {
        Path = path;
        Size = size;
        Limit = limit;
    }

    public string Path { get; }

    /// <summary>The size found: the file's, or as much as was read before the limit was passed.</summary>
    public long Size { get; }

    public long Limit { get; }
}

using HostAccel.Native.Interop;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>The bounded reader of regular files behind configuration files.</summary>
public class RegularFileTests
{
    [Fact]
    public void AFileIsReadWhole()
    {
        string path = Path.GetTempFileName();
        try
        {
            byte[] content = new byte[200_000];
            new Random(19).NextBytes(content);
            File.WriteAllBytes(path, content);
            Assert.Equal(content, RegularFile.ReadAll(path, content.Length));
            Assert.Throws<FileTooLargeException>(() => RegularFile.ReadAll(path, content.Length - 1));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A file whose size says 0 but that reads on (as /proc's do, or one that grows) is cut off at the cap, not read on.</summary>
    [Fact]
    public void TheCapHoldsWhileReadingNotOnlyForTheSizeTheFileStates()
    {
        FileTooLargeException failure = Assert.Throws<FileTooLargeException>(() => RegularFile.ReadAll("/proc/self/status", 16));
        Assert.Equal(16, failure.Limit);
        Assert.True(failure.Size > 16);
    }

    [Theory]
    [InlineData("/dev/null", "a character device")]
    [InlineData("/", "a directory")]
    public void WhatIsNotARegularFileIsRefusedSayingWhatItIs(string path, string kind) =>
        Assert.Equal(kind, Assert.Throws<NotARegularFileException>(() => RegularFile.ReadAll(path, 1024)).Kind);

    [Fact]
    public void AMissingFileIsENOENT() =>
        Assert.Equal(Errno.ENOENT, Assert.Throws<SystemCallException>(() => RegularFile.ReadAll($"/nonexistent-{Guid.NewGuid():N}", 1024)).Errno);

    [Fact]
    public void ANullOrEmptyPathIsRefusedNamingTheParameter()
    {
        Assert.Equal("path", Assert.Throws<ArgumentNullException>(() => RegularFile.ReadAll(null!, 1024)).ParamName);
        Assert.Equal("path", Assert.Throws<ArgumentException>(() => RegularFile.ReadAll("", 1024)).ParamName);
    }

    [Fact]
    public void AMissingFileNamesTheCallAndThePath()
    {
        string path = $"/nonexistent-{Guid.NewGuid():N}";
        SystemCallException failure = Assert.Throws<SystemCallException>(() => RegularFile.ReadAll(path, 1024));
        Assert.Equal("open", failure.Call);
        Assert.Equal($"open ({path}) failed: {ErrnoText.Message(Errno.ENOENT)} (ENOENT)", failure.Message);
    }

    /// <summary>A read already cancelled opens nothing: not even a missing file is looked at.</summary>
    [Fact]
    public void ACancelledReadThrowsBeforeOpeningAnything()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => RegularFile.ReadAll($"/nonexistent-{Guid.NewGuid():N}", 1024, cancelled.Token));
        Assert.Throws<OperationCanceledException>(() => RegularFile.ReadAll("/", 1024, cancelled.Token));
    }

    /// <summary>The opening of a FIFO without a writer would block for good: it is opened without blocking and refused.</summary>
    [Fact]
    public void AFifoWithoutAWriterIsRefusedWithoutBlocking()
    {
        string directory = Directory.CreateTempSubdirectory("ha-fifo-").FullName;
        string fifo = Path.Combine(directory, "pipe");
        Support.Shell.Run("mkfifo", fifo);
        try
        {
            Exception? thrown = null;
            var reader = new Thread(() => thrown = Record.Exception(() => RegularFile.ReadAll(fifo, 1024)));
            reader.Start();
            bool finished = reader.Join(TimeSpan.FromSeconds(10));
            if (!finished)
            {
                // Release the reader blocked in open(2) so that the test process can go on.
                using var writer = new FileStream(fifo, FileMode.Open, FileAccess.Write);
                reader.Join();
            }

            Assert.True(finished, "ReadAll blocked on a FIFO without a writer");
            NotARegularFileException failure = Assert.IsType<NotARegularFileException>(thrown);
            Assert.Equal("a FIFO (named pipe)", failure.Kind);
            Assert.Equal(fifo, failure.Path);
            Assert.Equal($"{fifo} is a FIFO (named pipe), not a regular file", failure.Message);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("/dev/null", "a character device")]
    [InlineData("/dev/loop0", "a block device")]
    [InlineData("/", "a directory")]
    public void TheRefusalSaysWhatThePathIsInsteadOfARegularFile(string path, string kind) =>
        Assert.Equal($"{path} is {kind}, not a regular file", Assert.Throws<NotARegularFileException>(() => RegularFile.ReadAll(path, 1024)).Message);

    /// <summary>open(2) itself refuses a Unix socket (ENXIO), so a socket never reaches the check of the file's type.</summary>
    [Fact]
    public void AUnixSocketIsRefusedByOpenWithENXIO()
    {
        string directory = Directory.CreateTempSubdirectory("ha-socket-").FullName;
        string path = Path.Combine(directory, "socket");
        try
        {
            using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
            socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
            SystemCallException failure = Assert.Throws<SystemCallException>(() => RegularFile.ReadAll(path, 1024));
            Assert.Equal(("open", Errno.ENXIO), (failure.Call, failure.Errno));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The size the file states is refused before anything is read: the exception carries that size.</summary>
    [Fact]
    public void AFileLargerThanTheCapIsRefusedWithTheSizeItStates()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, new byte[200_000]);
            FileTooLargeException failure = Assert.Throws<FileTooLargeException>(() => RegularFile.ReadAll(path, 100));
            Assert.Equal(200_000, failure.Size);
            Assert.Equal(100, failure.Limit);
            Assert.Equal(path, failure.Path);
            Assert.Equal($"{path} holds more than 100 bytes", failure.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TheMessageSaysMoreThanOnlyWhenTheSizeIsAboveTheLimit()
    {
        Assert.Equal("/x holds more than 100 bytes", new FileTooLargeException("/x", 101, 100).Message);
        Assert.Equal("/x holds 100 bytes", new FileTooLargeException("/x", 100, 100).Message);
        Assert.Equal("/x holds 100 bytes", new FileTooLargeException("/x", 7, 100).Message);
    }

    /// <summary>/proc/self/mem is a regular file whose read at offset 0 (an unmapped address) fails: the error is not retried.</summary>
    [Fact]
    public void AReadThatFailsNamesTheCallThePathAndTheErrno()
    {
        SystemCallException failure = Assert.Throws<SystemCallException>(() => RegularFile.ReadAll("/proc/self/mem", 1024));
        Assert.Equal("read", failure.Call);
        Assert.Equal(Errno.EIO, failure.Errno);
        Assert.Equal($"read (/proc/self/mem) failed: {ErrnoText.Message(Errno.EIO)} (EIO)", failure.Message);
    }

    [Fact]
    public void NoDescriptorIsLeftOpenAfterAReadOrARefusal()
    {
        string path = Path.Combine(Path.GetTempPath(), $"ha-descriptor-{Guid.NewGuid():N}");
        try
        {
            File.WriteAllBytes(path, new byte[1000]);
            Assert.Equal(1000, RegularFile.ReadAll(path, 1000).Length);
            Assert.False(IsOpen(path), "a descriptor of the file read is still open");
            Assert.Throws<FileTooLargeException>(() => RegularFile.ReadAll(path, 10));
            Assert.False(IsOpen(path), "a descriptor of the file refused is still open");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static bool IsOpen(string path) =>
        Directory.EnumerateFileSystemEntries("/proc/self/fd").Any(link =>
        {
            try
            {
                return new FileInfo(link).LinkTarget == path;
            }
            catch (IOException)
            {
                return false; // closed meanwhile by another test
            }
        });
}

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
}

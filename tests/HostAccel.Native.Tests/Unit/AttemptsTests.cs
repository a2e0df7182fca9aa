using HostAccel.Native.Interop;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>The one retry loop: its bound, what it retries, and what it reports.</summary>
public class AttemptsTests
{
    private static bool Transient(Exception ex) => ex is TimeoutException;

    [Fact]
    public void AnAttemptThatSucceedsIsRunOnceWithNumberOne()
    {
        var numbers = new List<int>();
        Assert.Equal("done", Attempts.Run(3, n => { numbers.Add(n); return "done"; }, Transient));
        Assert.Equal([1], numbers);
    }

    [Fact]
    public void TransientFailuresAreRetriedWithRisingNumbersAndEachRetryIsReported()
    {
        var numbers = new List<int>();
        var reported = new List<(int, string)>();
        string result = Attempts.Run(
            5,
            n =>
            {
                Assert.InRange(n, 1, 5);
                numbers.Add(n);
                return n < 3 ? throw new TimeoutException($"failure {n}") : $"success {n}";
            },
            Transient,
            (n, ex) => reported.Add((n, ex.Message)));

        Assert.Equal("success 3", result);
        Assert.Equal([1, 2, 3], numbers);
        Assert.Equal([(1, "failure 1"), (2, "failure 2")], reported);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void TheLastTransientFailureIsThrownAsItIsAfterMaxAttempts(int maxAttempts)
    {
        var numbers = new List<int>();
        var reported = new List<int>();
        TimeoutException last = Assert.Throws<TimeoutException>(() => Attempts.Run<int>(
            maxAttempts,
            n =>
            {
                // An attempt number outside 1..maxAttempts fails the test at once (not transient), rather than looping.
                Assert.InRange(n, 1, maxAttempts);
                numbers.Add(n);
                throw new TimeoutException($"failure {n}");
            },
            Transient,
            (n, _) => reported.Add(n)));

        Assert.Equal($"failure {maxAttempts}", last.Message);
        Assert.Equal(Enumerable.Range(1, maxAttempts), numbers);
        Assert.Equal(Enumerable.Range(1, maxAttempts - 1), reported);
    }

    [Fact]
    public void AFailureThatIsNotTransientIsThrownAtOnce()
    {
        var numbers = new List<int>();
        var reported = new List<int>();
        Assert.Throws<InvalidOperationException>(() => Attempts.Run<int>(
            5,
            n => { numbers.Add(n); throw new InvalidOperationException(); },
            Transient,
            (n, _) => reported.Add(n)));
        Assert.Equal([1], numbers);
        Assert.Empty(reported);
    }

    [Fact]
    public void RetryingWithoutAListenerWorks() =>
        Assert.Equal(2, Attempts.Run(2, n => n == 1 ? throw new TimeoutException() : n, Transient));

    [Fact]
    public void ArgumentsAreCheckedBeforeAnyAttempt()
    {
        int attempts = 0;
        Assert.Equal("attempt", Assert.Throws<ArgumentNullException>(() => Attempts.Run<int>(1, null!, Transient)).ParamName);
        Assert.Equal("transient", Assert.Throws<ArgumentNullException>(() => Attempts.Run(1, n => ++attempts, null!)).ParamName);
        ArgumentOutOfRangeException range = Assert.Throws<ArgumentOutOfRangeException>(() => Attempts.Run(0, n => ++attempts, Transient));
        Assert.Equal("maxAttempts", range.ParamName);
        Assert.Equal(0, range.ActualValue);
        Assert.Equal(0, attempts);
    }

    [Fact]
    public void AStaleCommitIsAnErrnoExceptionWithErestartOnly()
    {
        Assert.True(Attempts.IsStaleCommit(new SystemCallException("sendmsg", Errno.ERESTART)));
        Assert.False(Attempts.IsStaleCommit(new SystemCallException("sendmsg", Errno.EPERM)));
        Assert.False(Attempts.IsStaleCommit(new TimeoutException()));
    }
}

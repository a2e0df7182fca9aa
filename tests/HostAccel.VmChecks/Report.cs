namespace HostAccel.VmChecks;

/// <summary>TAP-like lines for each check, and the closing count.</summary>
internal sealed class Report
{
    public int Passed { get; private set; }

    public int Failed { get; private set; }

    public bool Check(bool condition, string what, string? detail = null)
    {
        if (condition)
        {
            Passed++;
            Console.WriteLine($"ok - {what}");
        }
        else
        {
            Failed++;
            Console.WriteLine($"not ok - {what}{(detail is null ? "" : $": {detail}")}");
        }

        return condition;
    }

    public void Throws<TException>(Action action, Func<TException, bool> expected, string what)
        where TException : Exception
    {
        try
        {
            action();
            Check(false, what, "no exception");
        }
        catch (TException ex)
        {
            Check(expected(ex), what, ex.Message);
        }
        catch (Exception ex)
        {
            Check(false, what, $"{ex.GetType().Name}: {ex.Message}");
        }
    }
}

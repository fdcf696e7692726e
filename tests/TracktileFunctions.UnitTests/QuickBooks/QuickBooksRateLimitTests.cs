using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using TracktileFunctions.QuickBooks;

namespace TracktileFunctions.UnitTests.QuickBooks;

public sealed class QuickBooksRateLimitTests
{
    [Fact]
    public async Task AcquireBatchAsync_MoreBatchesThanAMinuteAllows_TheNextWaitsWhileCallsStillPass()
    {
        using var limit = new QuickBooksRateLimit(Options.Create(new QuickBooksOptions { BatchRequestsPerMinute = 2 }));

        using var first = await limit.AcquireBatchAsync(CancellationToken.None);
        using var second = await limit.AcquireBatchAsync(CancellationToken.None);
        var third = limit.AcquireBatchAsync(CancellationToken.None).AsTask();
        using var call = await limit.AcquireAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5));

        Assert.True(first.IsAcquired && second.IsAcquired && call.IsAcquired);
        Assert.NotSame(third, await Task.WhenAny(third, Task.Delay(TimeSpan.FromMilliseconds(500))));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(40, true)]
    [InlineData(41, false)]
    public void BatchRequestsPerMinute_OutsideIntuitsLimit_Refused(int perMinute, bool valid)
    {
        var options = new QuickBooksOptions { BatchRequestsPerMinute = perMinute };

        Assert.Equal(valid, Validator.TryValidateProperty(perMinute, new ValidationContext(options) { MemberName = nameof(QuickBooksOptions.BatchRequestsPerMinute) }, []));
    }
}

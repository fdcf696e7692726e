using Microsoft.Extensions.Time.Testing;
using TracktileFunctions.Shopify;

namespace TracktileFunctions.UnitTests.Shopify;

public sealed class ShopifyCostBucketsTests
{
    private const string Shop = "s.myshopify.com";

    [Fact]
    public void WaitBefore_NothingObserved_NoWait()
        => Assert.Equal(TimeSpan.Zero, new ShopifyCostBuckets(new FakeTimeProvider()).WaitBefore(Shop, "Op"));

    [Fact]
    public void WaitBefore_BucketShort_WaitsForTheRefillThenNot()
    {
        var time = new FakeTimeProvider();
        var buckets = new ShopifyCostBuckets(time);
        buckets.Observe(Shop, "Op", requestedCost: 20, maximum: 2000, available: 5, restoreRate: 100);

        Assert.Equal(TimeSpan.FromSeconds(0.15), buckets.WaitBefore(Shop, "Op"));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.Zero, buckets.WaitBefore(Shop, "Op"));
    }

    [Fact]
    public void WaitBefore_ConcurrentCallers_EachReservesItsCost()
    {
        var time = new FakeTimeProvider();
        var buckets = new ShopifyCostBuckets(time);
        buckets.Observe(Shop, "Op", requestedCost: 10, maximum: 2000, available: 25, restoreRate: 100);

        var waits = Enumerable.Range(0, 4).Select(_ => buckets.WaitBefore(Shop, "Op")).ToList();

        Assert.Equal([TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromSeconds(0.05), TimeSpan.FromSeconds(0.15)], waits);
    }
}

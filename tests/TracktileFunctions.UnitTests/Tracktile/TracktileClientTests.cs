using System.Net;
using Microsoft.Extensions.Options;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.UnitTests.Tracktile;

public sealed class TracktileClientTests
{
    private static TracktileClient Client(StubHandler handler)
        => new(new HttpClient(handler) { BaseAddress = new Uri("http://tracktile.test/") }, Options.Create(new TracktileClientOptions()));

    [Fact]
    public async Task GetOrderAsync_Found_ReadsOrderAndKeepsUnknownFields()
    {
        var handler = StubHandler.Json(HttpStatusCode.OK, """
            {"id":"ord_1","shortId":"SO-1","customerId":"cus_1","currency":"USD","status":"ready","priority":"high",
             "orderItems":[{"productId":"prod_1","quantity":3,"price":1.25}]}
            """);

        var order = await Client(handler).GetOrderAsync("ord_1", CancellationToken.None);

        Assert.Equal("http://tracktile.test/orders/ord_1", handler.Requests[0].Request.RequestUri!.ToString());
        Assert.Equal("SO-1", order.ShortId);
        Assert.Equal(new TracktileOrderItem("prod_1", 3, 1.25m), Assert.Single(order.OrderItems));
        Assert.Equal("high", order.Extra!["priority"].GetString());
    }

    [Fact]
    public async Task GetOrderAsync_NotFound_ThrowsPermanentWithTracktileMessage()
    {
        var handler = StubHandler.Json(HttpStatusCode.NotFound, """{"status":404,"message":"Order not found"}""");

        var ex = await Assert.ThrowsAsync<TracktileApiException>(() => Client(handler).GetOrderAsync("ord_x", CancellationToken.None));

        Assert.Equal(404, ex.Status);
        Assert.False(ex.IsTransient);
        Assert.Contains("Order not found", ex.Message, StringComparison.Ordinal);
    }
}

public sealed class TracktileClientPagingTests
{
    private static TracktileClient Client(StubHandler handler, ProductPagination mode, int pageSize = 10)
        => new(new HttpClient(handler) { BaseAddress = new Uri("http://tracktile.test/") },
            Options.Create(new TracktileClientOptions { Products = { Pagination = mode, PageSize = pageSize } }));

    private static string Products(int from, int count) => "[" + string.Join(",", Enumerable.Range(from, count).Select(i => $$"""{"id":"p{{i}}"}""")) + "]";

    private static int Query(HttpRequestMessage request, string name)
        => int.Parse(System.Web.HttpUtility.ParseQueryString(request.RequestUri!.Query)[name]!, System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<List<string>> ReadAllAsync(TracktileClient client, DateTimeOffset? since = null)
    {
        var ids = new List<string>();
        await foreach (var product in client.GetProductsModifiedSinceAsync(since, CancellationToken.None))
        {
            ids.Add(product.GetProperty("id").GetString()!);
        }

        return ids;
    }

    [Fact]
    public async Task GetProductsModifiedSinceAsync_ServerCapsPageSizeButGivesTotal_ReadsEveryPage()
    {
        var handler = new StubHandler(request =>
        {
            var offset = Query(request, "offset");
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent($$"""{"results":{{Products(offset, Math.Min(4, 12 - offset))}},"total":12}""") };
        });

        var ids = await ReadAllAsync(Client(handler, ProductPagination.OffsetEnvelope));

        Assert.Equal(12, ids.Distinct().Count());
        Assert.Equal(3, handler.Requests.Count);
    }

    [Fact]
    public async Task GetProductsModifiedSinceAsync_ServerIgnoresOffset_FailsInsteadOfLooping()
    {
        var handler = StubHandler.Json(HttpStatusCode.OK, $$"""{"results":{{Products(0, 10)}}}""");

        var ex = await Assert.ThrowsAsync<TracktileApiException>(() => ReadAllAsync(Client(handler, ProductPagination.OffsetEnvelope)));

        Assert.Contains("same page", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task GetProductsModifiedSinceAsync_CursorRepeats_FailsInsteadOfLooping()
    {
        var handler = StubHandler.Json(HttpStatusCode.OK, $$"""{"results":{{Products(0, 2)}},"nextCursor":"c1"}""");

        await Assert.ThrowsAsync<TracktileApiException>(() => ReadAllAsync(Client(handler, ProductPagination.CursorEnvelope)));

        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task GetProductsModifiedSinceAsync_BareArray_SendsModifiedSinceWithMilliseconds()
    {
        var handler = StubHandler.Json(HttpStatusCode.OK, Products(0, 3));

        var ids = await ReadAllAsync(Client(handler, ProductPagination.BareArray), new DateTimeOffset(2024, 1, 15, 10, 30, 0, 5, TimeSpan.Zero));

        Assert.Equal(["p0", "p1", "p2"], ids);
        Assert.Equal("?modifiedSince=2024-01-15T10%3A30%3A00.005Z", handler.Requests.Single().Request.RequestUri!.Query);
    }

    [Fact]
    public async Task GetProductsModifiedSinceAsync_EnvelopeWhereArrayExpected_ThrowsNamingTheSetting()
    {
        var handler = StubHandler.Json(HttpStatusCode.OK, """{"results":[]}""");

        var ex = await Assert.ThrowsAsync<TracktileApiException>(() => ReadAllAsync(Client(handler, ProductPagination.BareArray)));

        Assert.Contains("Tracktile:Api:Products:Pagination", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetProductsModifiedSinceAsync_OffsetListNotSortedByModifiedAt_FailsNamingTheCause()
    {
        var handler = StubHandler.Json(HttpStatusCode.OK, """
            {"results":[{"id":"a","modifiedAt":"2024-01-02T00:00:00Z"},{"id":"b","modifiedAt":"2024-01-01T00:00:00Z"}],"total":2}
            """);
        var options = new TracktileClientOptions { Products = { Pagination = ProductPagination.OffsetEnvelope } };
        var client = new TracktileClient(new HttpClient(handler) { BaseAddress = new Uri("http://tracktile.test/") }, Options.Create(options));

        var error = await Assert.ThrowsAsync<TracktileApiException>(async () =>
        {
            await foreach (var _ in client.GetProductsModifiedSinceAsync(null, CancellationToken.None))
            {
            }
        });

        Assert.Contains("not sorted", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetProductsModifiedSinceAsync_OffsetNextPage_AsksFromTheLastModifiedAtSkippingWhatWasSeenThere()
    {
        var pages = new Queue<string>([
            """{"results":[{"id":"a","modifiedAt":"2024-01-01T00:00:00Z"},{"id":"b","modifiedAt":"2024-01-01T00:01:00Z"}],"total":3}""",
            """{"results":[{"id":"b","modifiedAt":"2024-01-01T00:01:00Z"},{"id":"c","modifiedAt":"2024-01-01T00:02:00Z"}],"total":2}""",
        ]);
        var handler = new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(pages.Dequeue(), System.Text.Encoding.UTF8, "application/json") });
        var options = new TracktileClientOptions { Products = { Pagination = ProductPagination.OffsetEnvelope, PageSize = 2 } };
        var client = new TracktileClient(new HttpClient(handler) { BaseAddress = new Uri("http://tracktile.test/") }, Options.Create(options));

        var ids = new List<string>();
        await foreach (var product in client.GetProductsModifiedSinceAsync(null, CancellationToken.None))
        {
            ids.Add(product.GetProperty("id").GetString()!);
        }

        Assert.Equal(["a", "b", "c"], ids);
        Assert.Equal("?limit=2&offset=0", handler.Requests[0].Request.RequestUri!.Query);
        Assert.Equal("?modifiedSince=2024-01-01T00%3A01%3A00.000Z&limit=2&offset=0", handler.Requests[1].Request.RequestUri!.Query);
    }

    [Fact]
    public async Task GetProductsModifiedSinceAsync_ProductOfTheBoundaryMillisecondEditedMeanwhile_RereadsThatGroupAndSkipsNothing()
    {
        // Four products share one millisecond. After a, b, c were read, a is edited (it moves to the end): the group is
        // now b, c, d; re-reading at offset 2 would start at d's neighbour and never read d.
        const string T = "2024-01-01T00:00:00Z";
        // A faithful server: the list as it is after the edit, queried by modifiedSince (inclusive) and offset.
        string[] group = ["b", "c", "d"];
        string Page(string query)
        {
            var q = System.Web.HttpUtility.ParseQueryString(query);
            List<(string Id, string At)> all = [.. group.Select(id => (id, T)), ("a", "2024-01-01T00:05:00Z")];
            if (q["modifiedSince"] is null)
            {
                all = [("a", T), ("b", T), ("c", T), ("d", T)]; // the first page was read before the edit
            }

            var offset = int.Parse(q["offset"]!, System.Globalization.CultureInfo.InvariantCulture);
            var items = all.Skip(offset).Take(3).Select(p => $$"""{"id":"{{p.Id}}","modifiedAt":"{{p.At}}"}""");
            return $$"""{"results":[{{string.Join(",", items)}}],"total":{{all.Count}}}""";
        }

        var handler = new StubHandler(r => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(Page(r.RequestUri!.Query), System.Text.Encoding.UTF8, "application/json") });
        var options = new TracktileClientOptions { Products = { Pagination = ProductPagination.OffsetEnvelope, PageSize = 3 } };
        var client = new TracktileClient(new HttpClient(handler) { BaseAddress = new Uri("http://tracktile.test/") }, Options.Create(options));

        var ids = new List<string>();
        await foreach (var product in client.GetProductsModifiedSinceAsync(null, CancellationToken.None))
        {
            ids.Add(product.GetProperty("id").GetString()!);
        }

        Assert.Equal(["a", "b", "c", "d", "a"], ids);
        Assert.EndsWith("offset=2", handler.Requests[1].Request.RequestUri!.Query, StringComparison.Ordinal); // the check: is c still there?
        Assert.EndsWith("offset=0", handler.Requests[2].Request.RequestUri!.Query, StringComparison.Ordinal); // no: the group again
        Assert.True(handler.Requests.Count <= 5, $"{handler.Requests.Count} requests");
    }
}

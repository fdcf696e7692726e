using Azure.Storage.Queues.Models;
using Microsoft.Extensions.DependencyInjection;
using Worker = Microsoft.Azure.Functions.Worker;

namespace TracktileFunctions.IntegrationTests.Infrastructure;

/// <summary>Parameter binding and invocation of isolated functions, without a queue.</summary>
public sealed class IsolatedFunctionInvokerTests : IDisposable
{
    private static readonly DateTimeOffset InsertedOn = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private readonly Captured _captured = new();
    private readonly ServiceProvider _services;

    public IsolatedFunctionInvokerTests()
    {
        _services = new ServiceCollection().AddSingleton(_captured).AddScoped<ScopedMarker>().BuildServiceProvider();
    }

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task InvokeAsync_PocoTriggerAndMetadata_BindsFromMessage()
    {
        var message = Message("""{"orderId":42,"sku":"A-1"}""", dequeueCount: 3);

        await IsolatedFunctionInvoker.InvokeAsync(Find(nameof(PocoFunction)), _services, message, CancellationToken.None);

        Assert.Equal(new ProbeOrder(42, "A-1"), _captured.Order);
        Assert.Equal(("message-1", 3, "receipt-1", InsertedOn, InsertedOn.UtcDateTime.AddDays(7)),
            (_captured.Id, _captured.DequeueCount, _captured.PopReceipt, _captured.InsertionTime, _captured.ExpirationTime));
    }

    [Fact]
    public async Task InvokeAsync_ValueTaskWithBytes_AwaitsAndBindsBody()
    {
        var message = Message("bytes", dequeueCount: 1);

        await IsolatedFunctionInvoker.InvokeAsync(Find(nameof(BytesFunction)), _services, message, CancellationToken.None);

        Assert.Equal("bytes"u8.ToArray(), _captured.Bytes);
    }

    [Fact]
    public async Task InvokeAsync_StaticFunctionThrows_ThrowsOriginalException()
    {
        var message = Message("boom", dequeueCount: 1);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => IsolatedFunctionInvoker.InvokeAsync(Find(nameof(ThrowingFunction)), _services, message, CancellationToken.None));

        Assert.Equal("boom", error.Message);
    }

    [Fact]
    public async Task InvokeAsync_TwoInvocations_UseSeparateScopes()
    {
        var function = Find(nameof(ScopedFunction));

        await IsolatedFunctionInvoker.InvokeAsync(function, _services, Message("a", 1), CancellationToken.None);
        await IsolatedFunctionInvoker.InvokeAsync(function, _services, Message("b", 1), CancellationToken.None);

        Assert.Equal(2, _captured.Scopes.Distinct().Count());
    }

    [Fact]
    public void EnsureSupported_UnbindableParameter_ThrowsNotSupported()
    {
        var error = Assert.Throws<NotSupportedException>(() => IsolatedFunctionInvoker.EnsureSupported(Find(nameof(UnsupportedFunction))));

        Assert.Contains("context", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EnsureSupported_ReturnValue_ThrowsNotSupported()
    {
        Assert.Throws<NotSupportedException>(() => IsolatedFunctionInvoker.EnsureSupported(Find(nameof(ReturningFunction))));
    }

    [Fact]
    public void Find_UnknownName_ThrowsListingFunctions()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Find("NoSuchFunction"));

        Assert.Contains(nameof(PocoFunction), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Discover_TestAssembly_FindsQueueTriggeredFunctionsOnly()
    {
        var names = IsolatedQueueFunction.Discover(typeof(IsolatedFunctionInvokerTests).Assembly).Select(f => f.Name).ToList();

        Assert.Contains(nameof(PocoFunction), names);
        Assert.DoesNotContain(nameof(NotQueueTriggered), names);
    }

    private static IsolatedQueueFunction Find(string name) =>
        IsolatedQueueFunction.Find(typeof(IsolatedFunctionInvokerTests).Assembly, name);

    private static QueueMessage Message(string body, long dequeueCount) => QueuesModelFactory.QueueMessage(
        messageId: "message-1",
        popReceipt: "receipt-1",
        body: BinaryData.FromString(body),
        dequeueCount: dequeueCount,
        nextVisibleOn: InsertedOn.AddMinutes(10),
        insertedOn: InsertedOn,
        expiresOn: InsertedOn.AddDays(7));

    private sealed record ProbeOrder(int OrderId, string Sku);

    private sealed class ScopedMarker;

    private sealed class Captured
    {
        public ProbeOrder? Order { get; set; }
        public string? Id { get; set; }
        public long DequeueCount { get; set; }
        public string? PopReceipt { get; set; }
        public DateTimeOffset? InsertionTime { get; set; }
        public DateTime ExpirationTime { get; set; }
        public byte[]? Bytes { get; set; }
        public List<ScopedMarker> Scopes { get; } = [];
    }

    private sealed class PocoFunction(Captured captured)
    {
        [Worker.Function(nameof(PocoFunction))]
        public void Run(
            [Worker.QueueTrigger("invoker-poco")] ProbeOrder order,
            string id,
            int dequeueCount,
            string popReceipt,
            DateTimeOffset? insertionTime,
            DateTime expirationTime,
            CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            (captured.Order, captured.Id, captured.DequeueCount, captured.PopReceipt, captured.InsertionTime, captured.ExpirationTime) =
                (order, id, dequeueCount, popReceipt, insertionTime, expirationTime);
        }
    }

    private sealed class BytesFunction(Captured captured)
    {
        [Worker.Function(nameof(BytesFunction))]
        public async ValueTask RunAsync([Worker.QueueTrigger("invoker-bytes")] byte[] body)
        {
            await Task.Yield();
            captured.Bytes = body;
        }
    }

    private sealed class ThrowingFunction
    {
        [Worker.Function(nameof(ThrowingFunction))]
        public static Task RunAsync([Worker.QueueTrigger("invoker-throws")] string message) =>
            Task.FromException(new InvalidOperationException(message));
    }

    private sealed class ScopedFunction(Captured captured, ScopedMarker marker)
    {
        [Worker.Function(nameof(ScopedFunction))]
        public void Run([Worker.QueueTrigger("invoker-scoped")] BinaryData body)
        {
            ArgumentNullException.ThrowIfNull(body);
            captured.Scopes.Add(marker);
        }
    }

    private sealed class UnsupportedFunction
    {
        [Worker.Function(nameof(UnsupportedFunction))]
        public static void Run([Worker.QueueTrigger("invoker-unsupported")] string message, object context)
        {
            ArgumentNullException.ThrowIfNull(message);
            ArgumentNullException.ThrowIfNull(context);
        }
    }

    private sealed class ReturningFunction
    {
        [Worker.Function(nameof(ReturningFunction))]
        public static string Run([Worker.QueueTrigger("invoker-returns")] string message) => message;
    }

    private sealed class NotQueueTriggered
    {
        [Worker.Function(nameof(NotQueueTriggered))]
        public static void Run(string message) => ArgumentNullException.ThrowIfNull(message);
    }
}

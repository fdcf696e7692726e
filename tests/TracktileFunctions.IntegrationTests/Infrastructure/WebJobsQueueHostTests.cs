using System.Collections.Concurrent;
using Azure.Storage.Queues;
using Microsoft.Azure.WebJobs.Host;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using Worker = Microsoft.Azure.Functions.Worker;

namespace TracktileFunctions.IntegrationTests.Infrastructure;

/// <summary>
/// The harness against Azurite with a probe function defined here: the queue extension's own behaviour (base64,
/// retries, poison moves) with host.json's options.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class WebJobsQueueHostTests(AzuriteFixture azurite, ITestOutputHelper output) : IAsyncLifetime
{
    private const string ProbeQueue = "probe-queue";
    private const string ProbeQueueSetting = "ProbeQueueName";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);

    private readonly HostJsonQueueOptions _hostJson = HostJsonQueueOptions.Load();
    private readonly List<ServiceProvider> _providers = [];

    public Task InitializeAsync() => azurite.ResetAsync();

    public async Task DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }
    }

    [Fact]
    public async Task StartAsync_Base64Message_HandledExactlyOnce()
    {
        var recorder = new ProbeRecorder(failures: 0);
        await using var host = await StartProbeAsync(recorder);

        await azurite.Queue(ProbeQueue).SendMessageAsync("hello probe");

        await Eventually.UntilAsync(async () => recorder.Calls.Count == 1 && await azurite.MessageCountAsync(ProbeQueue) == 0,
            Timeout, "the probe has run and the message is deleted");
        await Eventually.HoldsAsync(async () => recorder.Calls.Count == 1, Grace, "no redelivery");
        Assert.Equal([new ProbeCall("hello probe", 1)], recorder.Calls);
        Assert.Equal(0, await azurite.MessageCountAsync(host.PoisonQueueName));
    }

    [Fact]
    public async Task StartAsync_HandlerAlwaysFails_MovesMessageToPoisonAfterMaxDequeueCount()
    {
        var recorder = new ProbeRecorder(failures: int.MaxValue);
        await using var host = await StartProbeAsync(recorder);
        var maxDequeueCount = ExpectedMaxDequeueCount();

        await azurite.Queue(ProbeQueue).SendMessageAsync("always fails");

        await Eventually.UntilAsync(async () => await azurite.MessageCountAsync(host.PoisonQueueName) == 1
                                                && await azurite.MessageCountAsync(ProbeQueue) == 0,
            Timeout, "the message is in the poison queue");
        Assert.Equal(maxDequeueCount, host.QueueOptions.MaxDequeueCount);
        Assert.Equal(Enumerable.Range(1, maxDequeueCount).Select(n => new ProbeCall("always fails", n)), recorder.Calls);
        Assert.Equal(["always fails"], await azurite.PeekAllAsync(host.PoisonQueueName));
    }

    [Fact]
    public async Task StartAsync_HandlerFailsTwiceThenSucceeds_DeletesMessageWithoutPoison()
    {
        var recorder = new ProbeRecorder(failures: 2);
        await using var host = await StartProbeAsync(recorder);

        await azurite.Queue(ProbeQueue).SendMessageAsync("third time lucky");

        await Eventually.UntilAsync(async () => recorder.Calls.Count == 3 && await azurite.MessageCountAsync(ProbeQueue) == 0,
            Timeout, "the third attempt has run and the message is deleted");
        await Eventually.HoldsAsync(async () => recorder.Calls.Count == 3 && await azurite.MessageCountAsync(host.PoisonQueueName) == 0,
            Grace, "no further attempt and nothing in the poison queue");
        Assert.Equal([1L, 2L, 3L], recorder.Calls.Select(c => c.DequeueCount));
    }

    [Fact]
    public async Task StartAsync_NonBase64Message_MovesRawMessageToPoisonWithoutCallingHandler()
    {
        var recorder = new ProbeRecorder(failures: 0);
        await using var host = await StartProbeAsync(recorder);
        const string raw = """{"probe":1}""";

        await azurite.Queue(ProbeQueue, QueueMessageEncoding.None).SendMessageAsync(raw);

        await Eventually.UntilAsync(async () => await azurite.MessageCountAsync(host.PoisonQueueName) == 1
                                                && await azurite.MessageCountAsync(ProbeQueue) == 0,
            Timeout, "the message is in the poison queue");
        await Eventually.HoldsAsync(() => Task.FromResult(recorder.Calls.Count == 0), Grace, "the probe never runs");
        Assert.Equal([raw], await azurite.PeekAllAsync(host.PoisonQueueName, QueueMessageEncoding.None));
    }

    [Fact]
    public async Task StartAsync_QueueNameFromSetting_ListensOnConfiguredQueue()
    {
        var recorder = new ProbeRecorder(failures: 0);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [ProbeQueueSetting] = "probe-setting-queue" })
            .Build();
        await using var host = await StartProbeAsync(recorder, nameof(ProbeFromSettingFunction), configuration);

        await azurite.Queue("probe-setting-queue").SendMessageAsync("via setting");

        await Eventually.UntilAsync(() => recorder.Calls.Count == 1, Timeout, "the probe has run");
        Assert.Equal("probe-setting-queue", host.QueueName);
        Assert.Equal([new ProbeCall("via setting", 1)], recorder.Calls);
    }

    [Fact]
    public async Task StartAsync_QueueNameSettingMissing_ThrowsNamingSetting()
    {
        var function = IsolatedQueueFunction.Find(typeof(WebJobsQueueHostTests).Assembly, nameof(ProbeFromSettingFunction));
        await using var services = new ServiceCollection().BuildServiceProvider();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => WebJobsQueueHost.StartAsync(function, services, azurite.ConnectionString, output));

        Assert.Contains(ProbeQueueSetting, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_NoOverride_UsesHostJsonQueueOptions()
    {
        var expected = new QueuesOptions();
        _hostJson.ApplyTo(expected);

        await using var host = await StartProbeAsync(new ProbeRecorder(failures: 0), fastRetries: false);

        var actual = host.QueueOptions;
        Assert.Equal(
            (expected.MaxDequeueCount, expected.VisibilityTimeout, expected.MaxPollingInterval, expected.BatchSize,
                expected.NewBatchThreshold, expected.MessageEncoding),
            (actual.MaxDequeueCount, actual.VisibilityTimeout, actual.MaxPollingInterval, actual.BatchSize,
                actual.NewBatchThreshold, actual.MessageEncoding));
    }

    [Fact]
    public async Task StartAsync_FastRetries_ShortensWaitsAndKeepsHostJsonCounts()
    {
        await using var host = await StartProbeAsync(new ProbeRecorder(failures: 0));

        var actual = host.QueueOptions;
        Assert.Equal(TimeSpan.Zero, actual.VisibilityTimeout);
        Assert.Equal(WebJobsQueueHost.MinimumPollingInterval, actual.MaxPollingInterval);
        Assert.Equal(ExpectedMaxDequeueCount(), actual.MaxDequeueCount);
        Assert.Equal(_hostJson.BatchSize ?? new QueuesOptions().BatchSize, actual.BatchSize);
    }

    private int ExpectedMaxDequeueCount() => _hostJson.MaxDequeueCount ?? new QueuesOptions().MaxDequeueCount;

    private async Task<WebJobsQueueHost> StartProbeAsync(
        ProbeRecorder recorder,
        string functionName = nameof(ProbeFunction),
        IConfiguration? configuration = null,
        bool fastRetries = true)
    {
        var services = new ServiceCollection().AddSingleton(recorder);
        if (configuration is not null)
        {
            services.AddSingleton(configuration);
        }

        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        var function = IsolatedQueueFunction.Find(typeof(WebJobsQueueHostTests).Assembly, functionName);
        return await WebJobsQueueHost.StartAsync(
            function, provider, azurite.ConnectionString, output, fastRetries ? WebJobsQueueHost.FastRetries : null);
    }

    private sealed record ProbeCall(string Message, long DequeueCount);

    /// <summary>Records every call; throws for the first <c>failures</c> of them.</summary>
    private sealed class ProbeRecorder(int failures)
    {
        private readonly ConcurrentQueue<ProbeCall> _calls = new();
        private int _count;

        public IReadOnlyList<ProbeCall> Calls => [.. _calls];

        public Task RecordAsync(string message, long dequeueCount)
        {
            _calls.Enqueue(new ProbeCall(message, dequeueCount));
            var call = Interlocked.Increment(ref _count);
            return call <= failures
                ? Task.FromException(new InvalidOperationException($"Probe failure {call} of {failures}."))
                : Task.CompletedTask;
        }
    }

    /// <summary>An isolated function as the app would write one, on a fixed queue.</summary>
    private sealed class ProbeFunction(ProbeRecorder recorder)
    {
        [Worker.Function(nameof(ProbeFunction))]
        public Task RunAsync([Worker.QueueTrigger(ProbeQueue)] string message, long dequeueCount, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return recorder.RecordAsync(message, dequeueCount);
        }
    }

    /// <summary>An isolated function whose queue name is a setting.</summary>
    private sealed class ProbeFromSettingFunction(ProbeRecorder recorder)
    {
        [Worker.Function(nameof(ProbeFromSettingFunction))]
        public Task RunAsync([Worker.QueueTrigger("%" + ProbeQueueSetting + "%")] string message, long dequeueCount)
            => recorder.RecordAsync(message, dequeueCount);
    }
}

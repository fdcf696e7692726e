using System.Diagnostics;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using TracktileFunctions.Storage;

namespace TracktileFunctions.LoadDriver.Child;

/// <summary>
/// The hand-off's baseline (<c>child-enqueue</c>): on <c>go</c> (each of <c>--rounds</c>), raw <see cref="QueueClient.SendMessageAsync(BinaryData, TimeSpan?, TimeSpan?, CancellationToken)"/>
/// of the very messages the batch enqueued (read back by the driver, one <c>queue TAB base64</c> per line of
/// <c>--messages</c>), as many at once as <c>--concurrency</c>, with the queue client the app builds
/// (<see cref="StorageClientFactory"/>: base64, the same retries) and the app's time-to-live (never). Nothing else: no
/// read, no encoding, no table. Then, with <c>--tracktile</c>, it reads every product page alone
/// (<see cref="TracktilePages"/>) and reports how long that took (<see cref="ReadDone"/>).
/// </summary>
internal static class RawEnqueueChild
{
    /// <summary>The event after the read-alone pass: <c>pages</c>, <c>products</c>, <c>seconds</c>.</summary>
    public const string ReadDone = "readDone";

    private static readonly TimeSpan NeverExpires = TimeSpan.FromSeconds(-1); // EventPublisher's

    public static async Task RunAsync(ArgumentReader args, CommandReader commands, MemorySampler sampler)
    {
        var storage = args.Required("--storage");
        var file = args.Required("--messages");
        var concurrency = args.OptionalInt("--concurrency", 1) ?? 8;
        var rounds = args.OptionalInt("--rounds", 1) ?? 1; // each round on its own go (the driver empties the queues in between)
        var tracktile = args.Optional("--tracktile") is { } t ? new Uri(t) : null;
        var token = args.Optional("--token") ?? "";
        var since = args.Optional("--since") ?? "";
        var settings = args.Settings().GroupBy(s => s.Key, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.OrdinalIgnoreCase);
        args.EnsureAllRead();

        var messages = new List<(string Queue, BinaryData Body)>();
        foreach (var line in await File.ReadAllLinesAsync(file).ConfigureAwait(false))
        {
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (tab > 0)
            {
                messages.Add((line[..tab], BinaryData.FromBytes(Convert.FromBase64String(line[(tab + 1)..]))));
            }
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = storage }).Build();
        var service = new StorageClientFactory(configuration, "AzureWebJobsStorage").CreateQueueServiceClient();
        var clients = messages.Select(m => m.Queue).Distinct(StringComparer.Ordinal).ToDictionary(q => q, service.GetQueueClient, StringComparer.Ordinal);
        foreach (var client in clients.Values)
        {
            await client.GetPropertiesAsync().ConfigureAwait(false); // the connection up, as the app's provisioner left it
        }

        Protocol.Emit(Protocol.Ready, new JsonObject { ["messages"] = messages.Count });
        for (var round = 1; round <= rounds; round++)
        {
            await commands.WaitForAsync(Protocol.Go, ChildEntry.WaitForGo).ConfigureAwait(false);
            Protocol.Emit(Protocol.Started, AppChild.Round(rounds, round));
            await Parallel.ForEachAsync(messages, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (message, ct) =>
                await clients[message.Queue].SendMessageAsync(message.Body, visibilityTimeout: null, NeverExpires, ct).ConfigureAwait(false)).ConfigureAwait(false);
            var done = AppChild.Round(rounds, round) ?? [];
            done["messages"] = messages.Count;
            done["bytes"] = messages.Sum(m => (long)m.Body.ToMemory().Length);
            Protocol.Emit(Protocol.Done, done);
        }

        if (tracktile is not null)
        {
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(60) };
            var products = 0;
            var clock = Stopwatch.StartNew();
            var pages = await TracktilePages.ReadAsync(http, tracktile, token, settings, since, int.MaxValue, _ => products++).ConfigureAwait(false);
            Protocol.Emit(ReadDone, new JsonObject { ["pages"] = pages, ["products"] = products, ["seconds"] = clock.Elapsed.TotalSeconds });
        }

        await commands.WaitForAsync(Protocol.Stop, ChildEntry.WaitForStop).ConfigureAwait(false);
        Protocol.Emit(Protocol.Result, sampler.Report());
    }
}

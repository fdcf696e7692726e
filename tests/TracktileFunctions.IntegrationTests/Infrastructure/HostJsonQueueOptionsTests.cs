using System.Globalization;
using System.Text.Json;
using Azure.Storage.Queues;
using Microsoft.Azure.WebJobs.Host;

namespace TracktileFunctions.IntegrationTests.Infrastructure;

public sealed class HostJsonQueueOptionsTests : IDisposable
{
    private static readonly JsonDocumentOptions JsonOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private readonly string _tempDirectory = Directory.CreateTempSubdirectory("hostjson-").FullName;

    public void Dispose() => Directory.Delete(_tempDirectory, recursive: true);

    [Fact]
    public void Load_RepositoryHostJson_MatchesExtensionsQueuesSection()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(RepositoryPaths.HostJson), JsonOptions);
        var queues = document.RootElement.GetProperty("extensions").GetProperty("queues");

        var loaded = HostJsonQueueOptions.Load();

        Assert.Equal(Int(queues, "maxDequeueCount"), loaded.MaxDequeueCount);
        Assert.Equal(Time(queues, "visibilityTimeout"), loaded.VisibilityTimeout);
        Assert.Equal(Time(queues, "maxPollingInterval"), loaded.MaxPollingInterval);
        Assert.Equal(Int(queues, "batchSize"), loaded.BatchSize);
        Assert.Equal(Int(queues, "newBatchThreshold"), loaded.NewBatchThreshold);
        Assert.Equal(Encoding(queues, "messageEncoding"), loaded.MessageEncoding);
    }

    [Fact]
    public void Load_RepositoryHostJson_SetsMaxDequeueCount()
    {
        var loaded = HostJsonQueueOptions.Load();

        Assert.NotNull(loaded.MaxDequeueCount);
    }

    [Fact]
    public void ApplyTo_AllValuesSet_CopiesEveryValue()
    {
        var path = WriteHostJson("""
            {
              "version": "2.0",
              // Comments are allowed, as in the Functions host.
              "extensions": { "queues": {
                "MaxDequeueCount": 7, "visibilityTimeout": "00:00:03", "maxPollingInterval": "00:00:04",
                "batchSize": 5, "newBatchThreshold": 2, "messageEncoding": "none",
              } }
            }
            """);
        var options = new QueuesOptions();

        HostJsonQueueOptions.Load(path).ApplyTo(options);

        Assert.Equal(
            (7, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(4), 5, 2, QueueMessageEncoding.None),
            (options.MaxDequeueCount, options.VisibilityTimeout, options.MaxPollingInterval, options.BatchSize,
                options.NewBatchThreshold, options.MessageEncoding));
    }

    [Fact]
    public void ApplyTo_OnlySomeValuesSet_KeepsExtensionDefaultsForTheRest()
    {
        var path = WriteHostJson("""{ "version": "2.0", "extensions": { "queues": { "maxDequeueCount": 2 } } }""");
        var defaults = new QueuesOptions();
        var options = new QueuesOptions();

        var loaded = HostJsonQueueOptions.Load(path);
        loaded.ApplyTo(options);

        Assert.Null(loaded.VisibilityTimeout);
        Assert.Equal(2, options.MaxDequeueCount);
        Assert.Equal(
            (defaults.VisibilityTimeout, defaults.MaxPollingInterval, defaults.BatchSize, defaults.NewBatchThreshold, defaults.MessageEncoding),
            (options.VisibilityTimeout, options.MaxPollingInterval, options.BatchSize, options.NewBatchThreshold, options.MessageEncoding));
    }

    [Fact]
    public void Load_NoQueuesSection_ReturnsAllNull()
    {
        var path = WriteHostJson("""{ "version": "2.0" }""");

        var loaded = HostJsonQueueOptions.Load(path);

        Assert.Equal(
            (null, null, null, null, null, null),
            (loaded.MaxDequeueCount, loaded.VisibilityTimeout, loaded.MaxPollingInterval, loaded.BatchSize,
                loaded.NewBatchThreshold, (QueueMessageEncoding?)loaded.MessageEncoding));
    }

    [Fact]
    public void Load_UnknownQueueSetting_Throws()
    {
        var path = WriteHostJson("""{ "version": "2.0", "extensions": { "queues": { "maxDequeueCont": 2 } } }""");

        var error = Assert.Throws<InvalidOperationException>(() => HostJsonQueueOptions.Load(path));

        Assert.Contains("maxDequeueCont", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_ThrowsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => HostJsonQueueOptions.Load(Path.Combine(_tempDirectory, "absent.json")));
    }

    private string WriteHostJson(string json)
    {
        var path = Path.Combine(_tempDirectory, "host.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static int? Int(JsonElement queues, string name) =>
        queues.TryGetProperty(name, out var value) ? value.GetInt32() : null;

    private static TimeSpan? Time(JsonElement queues, string name) =>
        queues.TryGetProperty(name, out var value) ? TimeSpan.Parse(value.GetString()!, CultureInfo.InvariantCulture) : null;

    private static QueueMessageEncoding? Encoding(JsonElement queues, string name) =>
        queues.TryGetProperty(name, out var value) ? Enum.Parse<QueueMessageEncoding>(value.GetString()!, ignoreCase: true) : null;
}

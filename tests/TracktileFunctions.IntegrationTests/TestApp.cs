using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TracktileFunctions.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests;

/// <summary>The app's real service graph (<c>AddTracktileFunctions</c>), configured for Azurite and the sandbox.</summary>
internal static class TestApp
{
    public const string TracktileSecret = "it-tracktile-webhook-secret";
    public const string ErpSecret = "it-erp-webhook-secret";
    public const string TracktileToken = "api-sandbox-token";

    /// <summary>Builds the services; <paramref name="settings"/> add to or override the defaults (a null value removes one).</summary>
    public static ServiceProvider Build(
        string storageConnection,
        ITestOutputHelper? output = null,
        Uri? tracktile = null,
        Uri? erp = null,
        IEnumerable<KeyValuePair<string, string?>>? settings = null,
        TimeProvider? timeProvider = null,
        Action<IServiceCollection>? services = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Settings(storageConnection, tracktile, erp, settings)).Build();
        var collection = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging(logging =>
            {
                logging.SetMinimumLevel(LogLevel.Debug);
                logging.AddFilter("System.Net.Http", LogLevel.Warning);
                logging.AddFilter("Polly", LogLevel.Warning);
                if (output is not null)
                {
                    logging.AddProvider(new XunitLoggerProvider(output));
                }
            });
        if (timeProvider is not null)
        {
            collection.AddSingleton(timeProvider);
        }

        services?.Invoke(collection);
        collection.AddTracktileFunctions(configuration);
        return collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    /// <summary>
    /// The app settings <see cref="Build"/> uses: storage, the sandbox's URLs, the webhook secrets and short retries;
    /// <paramref name="settings"/> add to or override them (a null value removes one). An app in another process
    /// (<see cref="AppWorkerProcess"/>) gets the same.
    /// </summary>
    public static Dictionary<string, string?> Settings(
        string storageConnection,
        Uri? tracktile = null,
        Uri? erp = null,
        IEnumerable<KeyValuePair<string, string?>>? settings = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = storageConnection,
            ["Tracktile:Webhook:Secrets:0"] = TracktileSecret,
            ["Erp:Webhook:Secrets:0"] = ErpSecret,
            ["Tracktile:Api:BaseUrl"] = (tracktile ?? new Uri("http://127.0.0.1:9/tracktile/")).ToString(),
            ["Tracktile:Api:Token"] = TracktileToken,
            ["Tracktile:Api:Resilience:BaseDelaySeconds"] = "0.05",
            ["Tracktile:Api:Resilience:AttemptTimeoutSeconds"] = "2",
            ["Erp:BaseUrl"] = (erp ?? new Uri("http://127.0.0.1:9/erp/")).ToString(),
            ["Erp:Resilience:BaseDelaySeconds"] = "0.05",
            ["Erp:Resilience:AttemptTimeoutSeconds"] = "2",
            ["Processing:RetryBaseDelaySeconds"] = "0", // retries at once, as the tests' queue options do
            ["Processing:RetryMaxDelaySeconds"] = "0",
            ["Processing:MaxAttempts"] = "5",
            ["Tracktile:Hooks:SecretRefreshSeconds"] = "0.2", // a bad signature waits for two reads of the stored secrets: keep it short
            ["Erp:Inventory:Locations:node_rcv"] = "WH1/RECEIVING",
            ["Erp:Inventory:Locations:node_line1"] = "WH1/LINE1",
            ["Erp:Inventory:Locations:node_ship"] = "WH1/SHIPPING",
        };
        foreach (var (key, value) in settings ?? [])
        {
            if (value is null)
            {
                values.Remove(key); // null removes a default
            }
            else
            {
                values[key] = value;
            }
        }

        return values;
    }
}

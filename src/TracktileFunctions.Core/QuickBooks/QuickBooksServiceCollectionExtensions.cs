using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using TracktileFunctions.Accounting;
using TracktileFunctions.Http;
using TracktileFunctions.Operations;
using TracktileFunctions.Processing;
using TracktileFunctions.Store;
using TracktileFunctions.Sync;
using TracktileFunctions.Tracktile;
using TracktileFunctions.Webhooks;

namespace TracktileFunctions.QuickBooks;

/// <summary>Registers QuickBooks Online (Accounting API v3) as the ledger.</summary>
public static class QuickBooksServiceCollectionExtensions
{
    /// <summary>
    /// Registers the connection (OAuth tokens), the client, the ledger role, the webhook, the consumers and the
    /// reconciliation. QuickBooks is on when <c>QuickBooks:ClientId</c> is set; then its settings are checked at start,
    /// Tracktile's order (and, by option, shipment and customer) events also go to its queues, and the product batch also
    /// feeds the SKU index its items are found by and (with <c>Items:SyncProducts</c>) keeps the items in step. Off, its webhook and connect pages answer 404 and its timer does nothing.
    /// </summary>
    public static IServiceCollection AddQuickBooks(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<QuickBooksOptions>().BindConfiguration(QuickBooksOptions.SectionName)
            .PostConfigure(o => o.Normalize())
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddOptions<WebhookSourceOptions>(WebhookSources.Tracktile).PostConfigure<IOptions<QuickBooksOptions>>((o, quickbooks) =>
        {
            var q = quickbooks.Value;
            if (!q.Enabled || !o.IncludeDefaultRoutes)
            {
                return;
            }

            o.Routes.Add(new EventRoute { Kind = "order.status.changed", Queues = [QueueNames.QuickBooksInvoices] });
            if (q.Invoices.Trigger == InvoiceTrigger.ShipmentStatus)
            {
                o.Routes.Add(new EventRoute { Kind = "shipment.status.changed", Queues = [QueueNames.QuickBooksInvoices] });
            }

            if (q.Customers.TracktileEventKind is { Length: > 0 } customerKind)
            {
                o.Routes.Add(new EventRoute { Kind = customerKind, Queues = [QueueNames.QuickBooksCustomers] });
            }
        });
        services.FeedSkuIndexWhen<QuickBooksOptions>(o => o.Enabled);
        services.HandOffProductsWhen<QuickBooksOptions>(QueueNames.QuickBooksProducts, o => o.Enabled && o.Items.SyncProducts);

        services.AddSingleton<QuickBooksRateLimit>();
        services.AddSingleton<QuickBooksConnection>();
        services.AddHttpClient(QuickBooksConnection.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan)
            .AddStandardResilienceHandler()
            .Configure((resilience, sp) =>
            {
                sp.GetRequiredService<IOptions<QuickBooksOptions>>().Value.Resilience.ApplyTo(resilience);
                ApiResilienceOptions.RetryNoUnsafeCreates(resilience); // an authorization code works once: never re-sent blind
            });
        services.AddHttpClient<QuickBooksClient>((sp, http) =>
            {
                http.BaseAddress = HttpBase.Address(sp.GetRequiredService<IOptions<QuickBooksOptions>>().Value.BaseUrl);
                http.Timeout = Timeout.InfiniteTimeSpan; // the resilience pipeline owns timeouts
            })
            .AddStandardResilienceHandler()
            .Configure((resilience, sp) =>
            {
                sp.GetRequiredService<IOptions<QuickBooksOptions>>().Value.Resilience.ApplyTo(resilience);
                // Every write carries a requestid, so a retried POST is answered, not done twice. A 429 is the client's
                // to wait out (Intuit documents 60 s, longer than these retries).
                resilience.Retry.ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Result?.StatusCode != System.Net.HttpStatusCode.TooManyRequests && HttpClientResiliencePredicates.IsTransient(args.Outcome));
            });

        services.AddTransient<QuickBooksItems>();
        services.AddTransient<QuickBooksLedger>();
        services.AddKeyedTransient(QuickBooksWebhook.Source, (sp, _) => new CustomerSync(
            sp.GetRequiredService<TracktileClient>(), sp.GetRequiredService<QuickBooksLedger>(), sp.GetRequiredService<SyncStateStore>(),
            new CustomerSyncOptions { ConflictWinner = sp.GetRequiredService<IOptions<QuickBooksOptions>>().Value.Customers.ConflictWinner },
            new CustomerLink(QuickBooksLedger.CustomerScope, TracktileIdProperty: null)));
        services.AddKeyedTransient(QuickBooksWebhook.Source, (sp, _) => new InvoiceConsumer(
            "quickbooks-invoices", QuickBooksLedger.InvoiceScope, sp.GetRequiredService<QuickBooksLedger>(), sp.GetRequiredService<TracktileClient>(),
            sp.GetRequiredService<SyncStateStore>(), sp.GetRequiredService<IOptions<QuickBooksOptions>>().Value.Invoices,
            sp.GetRequiredService<IOptions<TracktileClientOptions>>().Value));
        services.AddKeyedTransient(QuickBooksWebhook.Source, (sp, key) => new TracktileCustomerChangeConsumer(
            "quickbooks-customers", sp.GetRequiredKeyedService<CustomerSync>(key), sp.GetRequiredService<IOptions<QuickBooksOptions>>().Value.Customers.EventCustomerIdProperty));
        services.AddSingleton<QuickBooksWebhook>();
        services.AddTransient<QuickBooksEventConsumer>();
        services.AddTransient<QuickBooksReconciliation>();
        services.AddTransient<QuickBooksConnect>();
        if (!string.IsNullOrWhiteSpace(configuration[$"{QuickBooksOptions.SectionName}:{nameof(QuickBooksOptions.ClientId)}"]))
        {
            // On as QuickBooksOptions.Enabled decides: the status page lists its connection.
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectionCheck, QuickBooksConnectionCheck>());
        }

        return services;
    }
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using TracktileFunctions.Erp;
using TracktileFunctions.Http;
using TracktileFunctions.Operations;
using TracktileFunctions.Webhooks;

namespace TracktileFunctions.RestErp;

/// <summary>Registers the ERP reached through the app's own REST contract (docs/erp-contract.md).</summary>
public static class RestErpServiceCollectionExtensions
{
    /// <summary>
    /// Registers the REST ERP's client, its authentication and its webhook (customer changes). When it is not the ERP
    /// (<c>Erp:Provider</c> names another), its settings are not required and its webhook answers 404.
    /// </summary>
    public static IServiceCollection AddRestErp(this IServiceCollection services, IConfiguration configuration, bool isTheErp)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddWebhookSource(WebhookSources.Erp, "Erp:Webhook", EventRouter.ErpDefaults, o =>
        {
            o.SignatureHeader = "X-Erp-Signature";
            o.KindProperty = "type";
            o.UnroutedQueue = "erp-unrouted";
        });
        if (!isTheErp)
        {
            // Another system is the ERP: this one's webhook is off (404), so no event of it reaches that ERP's sync.
            services.PostConfigure<WebhookSourceOptions>(WebhookSources.Erp, o => o.Secrets = []);
        }

        services.AddTransient<TracktileCustomerConsumer>();
        if (!isTheErp)
        {
            return services;
        }

        services.AddOptions<RestErpOptions>().BindConfiguration(RestErpOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient(RestErpTokenSource.TokenClientName, http => http.Timeout = Timeout.InfiniteTimeSpan)
            .AddStandardResilienceHandler()
            .Configure((options, sp) => sp.GetRequiredService<IOptions<RestErpOptions>>().Value.Resilience.ApplyTo(options));
        services.AddSingleton(sp => new RestErpTokenSource(
            () => sp.GetRequiredService<IHttpClientFactory>().CreateClient(RestErpTokenSource.TokenClientName),
            sp.GetRequiredService<IOptions<RestErpOptions>>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddTransient<RestErpAuthenticationHandler>();
        services.AddHttpClient<RestErpClient>((sp, http) =>
            {
                http.BaseAddress = HttpBase.Address(sp.GetRequiredService<IOptions<RestErpOptions>>().Value.BaseUrl);
                http.Timeout = Timeout.InfiniteTimeSpan;
            })
            .AddHttpMessageHandler<RestErpAuthenticationHandler>()
            .AddStandardResilienceHandler()
            .Configure((options, sp) => sp.GetRequiredService<IOptions<RestErpOptions>>().Value.Resilience.ApplyTo(options));
        services.AddTransient<IErp>(sp => sp.GetRequiredService<RestErpClient>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectionCheck, RestErpConnectionCheck>());
        return services;
    }
}

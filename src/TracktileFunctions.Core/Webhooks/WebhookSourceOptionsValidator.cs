using Microsoft.Extensions.Options;

namespace TracktileFunctions.Webhooks;

/// <summary>Checks what data annotations cannot: every secret is non-blank and every route is usable.</summary>
internal sealed class WebhookSourceOptionsValidator : IValidateOptions<WebhookSourceOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookSourceOptions options)
    {
        if (options.Secrets.Any(string.IsNullOrWhiteSpace))
        {
            return ValidateOptionsResult.Fail($"Webhook source '{name}': every entry of Secrets must be non-empty.");
        }

        // App Service leaves an unresolved Key Vault reference in place as literal text: never accept it as a secret.
        if (options.Secrets.Any(s => s.StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase)))
        {
            return ValidateOptionsResult.Fail($"Webhook source '{name}': a secret is an unresolved Key Vault reference (check the app's access to the vault and that the secret exists).");
        }

        try
        {
            _ = new EventRouter(options.Routes, options.UnroutedQueue);
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail($"Webhook source '{name}': {ex.Message}");
        }
    }
}

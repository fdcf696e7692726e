using System.ComponentModel.DataAnnotations;

namespace TracktileFunctions.Http;

/// <summary>
/// Data-annotation validation of nested settings objects (<c>ValidateDataAnnotations</c> checks only the top level),
/// with each error naming the full setting path.
/// </summary>
internal static class NestedValidation
{
    public static IEnumerable<ValidationResult> Validate(string section, params (string Name, object Value)[] children)
    {
        foreach (var (name, value) in children)
        {
            var results = new List<ValidationResult>();
            Validator.TryValidateObject(value, new ValidationContext(value), results, validateAllProperties: true);
            foreach (var result in results)
            {
                var members = result.MemberNames.Select(m => $"{section}:{name}:{m}").ToArray();
                var message = result.ErrorMessage is { } text && text.StartsWith(section, StringComparison.Ordinal)
                    ? text
                    : $"{string.Join(", ", members)}: {result.ErrorMessage}";
                yield return new ValidationResult(message, members);
            }
        }
    }
}

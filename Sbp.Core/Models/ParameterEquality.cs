using System.Collections;
using System.Reflection;

namespace Sbp.Core.Models;

/// <summary>
/// Value equality for the parameter records: every public settable (init) property compared, arrays element by element (a record's
/// synthesized equality compares arrays by reference, so two records with equal layer sizes would differ). One
/// implementation for every record, so a property added later takes part without a second list of fields.
/// </summary>
internal static class ParameterEquality
{
    private static PropertyInfo[] PropertiesOf(Type t) =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.GetIndexParameters().Length == 0).ToArray();

    public static bool Equal<T>(T self, T? other) where T : class
    {
        if (other is null) return false;
        if (ReferenceEquals(self, other)) return true;
        foreach (var p in PropertiesOf(typeof(T)))
        {
            object? a = p.GetValue(self), b = p.GetValue(other);
            if (a is Array x && b is Array y)
            {
                if (!StructuralComparisons.StructuralEqualityComparer.Equals(x, y)) return false;
            }
            else if (!Equals(a, b)) return false;
        }
        return true;
    }

    public static int Hash<T>(T self) where T : class
    {
        var h = new HashCode();
        foreach (var p in PropertiesOf(typeof(T)))
        {
            object? v = p.GetValue(self);
            h.Add(v is Array a ? StructuralComparisons.StructuralEqualityComparer.GetHashCode(a) : v?.GetHashCode() ?? 0);
        }
        return h.ToHashCode();
    }
}

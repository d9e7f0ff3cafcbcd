//! Domain strings as SQL columns (feature `sqlx`, server side only): an id,
//! a SKU or an e-mail binds as text and is parsed again when read, so a
//! stored value that breaks the type's rules fails the read instead of
//! passing as valid. The Wasm build leaves the feature off.

/// SQL text column impls for a string newtype `$t` with `TryFrom<String>`
/// and a `.0: String`.
macro_rules! string_column {
    ($t:ty) => {
        #[cfg(feature = "sqlx")]
        impl<DB: sqlx::Database> sqlx::Type<DB> for $t
        where
            String: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <String as sqlx::Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <String as sqlx::Type<DB>>::compatible(ty)
            }
        }

        #[cfg(feature = "sqlx")]
        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $t
        where
            String: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <String as sqlx::Encode<'q, DB>>::encode_by_ref(&self.0, buf)
            }
        }

        #[cfg(feature = "sqlx")]
        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $t
        where
            String: sqlx::Decode<'r, DB>,
        {
            fn decode(value: <DB as sqlx::Database>::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                Ok(Self::try_from(<String as sqlx::Decode<'r, DB>>::decode(value)?)?)
            }
        }
    };
}
pub(crate) use string_column;

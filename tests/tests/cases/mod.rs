mod accounts;
mod admin;
mod amounts;
mod conservation;
mod layout;
mod oracle;
mod series;
mod smoke;
